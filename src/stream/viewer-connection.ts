/**
 * One connected viewer. Frames are offered, never queued without bound: each viewer has its
 * codec's own delivery policy (`FrameQueue`: the newest JPEG, or H.264 frames in order from a
 * keyframe), and a frame goes out only while the socket's own buffer is small and few sends are
 * in flight. A slow viewer therefore skips frames and never holds memory or time that belongs to
 * the others (ws #1620).
 *
 * A client that acknowledges frames (`ack`, as the viewer page does) is also paced by them: at
 * most `maxUnacknowledged` frames travel unacknowledged. `bufferedAmount` sees only what is still
 * in this process; on a slow link the operating system's socket buffers (and the network's
 * queues) hold seconds of frames more, and a viewer paced by its acks never waits behind them.
 */
import { WebSocket } from 'ws';
import type { FrameQueue, OutgoingFrame } from './frame-queue.js';
import type { ServerMessage } from './protocol.js';
import { VIEWER_TRANSPORTS, type ViewerCodec } from './viewer-transports.js';

export interface ViewerConnectionOptions {
  /** Send a frame only while `bufferedAmount` is at most this many bytes. */
  maxBufferedBytes: number;
  /** Most frames handed to the socket and not yet written out. */
  maxFramesInFlight: number;
  /** A viewer whose socket holds more than this (text included) is cut off. */
  hardLimitBytes: number;
  /** Most frames sent and not yet acknowledged, for a client that acknowledges frames. */
  maxUnacknowledged: number;
}

export class ViewerConnection {
  /** Set by each pong; `heartbeat` cuts off a viewer that has not answered since the last ping. */
  private alive = true;
  /** Frames this viewer will never get because its connection could not take them. */
  skipped = 0;
  /** The codec this viewer receives; none while it has asked for one the server does not offer. */
  private currentCodec: ViewerCodec | undefined;
  private queue: FrameQueue | undefined;
  /** Frames and bytes written to the socket since the counters were last read. */
  private sentSinceRead = 0;
  private bytesSinceRead = 0;
  private inFlight = 0;
  /** Whether this client acknowledges frames (it has sent an `ack`). */
  private pacedByAcks = false;
  /** Indices of the frames sent and not yet acknowledged, oldest first. */
  private unacknowledged: number[] = [];

  constructor(
    readonly socket: WebSocket,
    private readonly options: ViewerConnectionOptions,
    codec: ViewerCodec | undefined,
  ) {
    this.codec = codec;
    socket.on('pong', () => {
      this.alive = true;
    });
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  get codec(): ViewerCodec | undefined {
    return this.currentCodec;
  }

  /** Switches codec: frames of the new one start afresh (an H.264 viewer at a keyframe). */
  set codec(codec: ViewerCodec | undefined) {
    this.currentCodec = codec;
    this.queue = codec ? VIEWER_TRANSPORTS[codec].createQueue() : undefined;
  }

  /** Offers the newest frame of `codec`; it goes out now, later, or never. */
  offerFrame(codec: ViewerCodec, frame: OutgoingFrame): void {
    if (!this.open || codec !== this.currentCodec || !this.queue) return;
    this.skipped += this.queue.offer(frame);
    this.flush();
  }

  /** The client has received frame `index` and every frame before it. */
  acknowledge(index: number): void {
    this.pacedByAcks = true;
    while (this.unacknowledged[0] !== undefined && this.unacknowledged[0] <= index) {
      this.unacknowledged.shift();
    }
    this.flush();
  }

  sendMessage(message: ServerMessage): void {
    if (!this.open) return;
    if (this.socket.bufferedAmount > this.options.hardLimitBytes) {
      this.socket.terminate();
      return;
    }
    this.socket.send(JSON.stringify(message));
  }

  /**
   * One beat of the heartbeat: a viewer that has not answered the last ping is cut off (and
   * `false` returned), any other is pinged again.
   */
  heartbeat(): boolean {
    if (!this.alive) {
      this.socket.terminate();
      return false;
    }
    this.alive = false;
    this.socket.ping();
    return true;
  }

  /**
   * Closes the connection with `code` and `reason`, and cuts it off if the client has not
   * answered within `graceMs`; resolves once the socket is closed.
   */
  goodbye(code: number, reason: string, graceMs: number): Promise<void> {
    const socket = this.socket;
    return new Promise((resolve) => {
      if (socket.readyState === WebSocket.CLOSED) return resolve();
      const timer = setTimeout(() => socket.terminate(), graceMs);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.close(code, reason);
    });
  }

  /** Frames and bytes sent since the last call. */
  takeSentCounts(): { frames: number; bytes: number } {
    const counts = { frames: this.sentSinceRead, bytes: this.bytesSinceRead };
    this.sentSinceRead = 0;
    this.bytesSinceRead = 0;
    return counts;
  }

  private flush(): void {
    const { maxBufferedBytes, maxFramesInFlight, maxUnacknowledged } = this.options;
    while (
      this.queue &&
      this.open &&
      this.inFlight < maxFramesInFlight &&
      this.socket.bufferedAmount <= maxBufferedBytes &&
      (!this.pacedByAcks || this.unacknowledged.length < maxUnacknowledged)
    ) {
      const frame = this.queue.take();
      if (!frame) return;
      this.inFlight++;
      if (this.pacedByAcks) this.unacknowledged.push(frame.index);
      this.socket.send(frame.bytes, { binary: true }, (error) => {
        this.inFlight--;
        if (error) return;
        this.sentSinceRead++;
        this.bytesSinceRead += frame.bytes.length;
        this.flush();
      });
    }
  }
}
