/**
 * One connected viewer. Frames are offered, never queued: a viewer holds at most one frame that
 * has not gone out yet (a newer one replaces it, counted as skipped), and a frame goes out only
 * while the socket's own buffer is small and few sends are in flight. A slow viewer therefore
 * skips frames and never holds memory or time that belongs to the others (ws #1620).
 */
import { WebSocket } from 'ws';
import type { ServerMessage } from './protocol.js';

export interface ViewerConnectionOptions {
  /** Send a frame only while `bufferedAmount` is at most this many bytes. */
  maxBufferedBytes: number;
  /** Most frames handed to the socket and not yet written out. */
  maxFramesInFlight: number;
  /** A viewer whose socket holds more than this (text included) is cut off. */
  hardLimitBytes: number;
}

export class ViewerConnection {
  /** Set by each pong; the heartbeat terminates a viewer that has not answered since the last ping. */
  alive = true;
  /** Frames replaced before they could be sent. */
  skipped = 0;
  /** Frames written to the socket since the counter was last read. */
  private sentSinceRead = 0;
  private pending: Buffer | undefined;
  private inFlight = 0;

  constructor(
    readonly socket: WebSocket,
    private readonly options: ViewerConnectionOptions,
  ) {
    socket.on('pong', () => {
      this.alive = true;
    });
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Offers the newest frame; it goes out now, later (if still the newest), or never. */
  offerFrame(jpeg: Buffer): void {
    if (!this.open) return;
    if (this.pending) this.skipped++;
    this.pending = jpeg;
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

  /** Frames sent since the last call. */
  takeSentCount(): number {
    const count = this.sentSinceRead;
    this.sentSinceRead = 0;
    return count;
  }

  private flush(): void {
    const { maxBufferedBytes, maxFramesInFlight } = this.options;
    while (
      this.pending &&
      this.open &&
      this.inFlight < maxFramesInFlight &&
      this.socket.bufferedAmount <= maxBufferedBytes
    ) {
      const frame = this.pending;
      this.pending = undefined;
      this.inFlight++;
      this.socket.send(frame, { binary: true }, (error) => {
        this.inFlight--;
        if (error) return;
        this.sentSinceRead++;
        this.flush();
      });
    }
  }
}
