// H.264 played through Media Source Extensions, where WebCodecs is not there (a page that is not
// a secure context: plain http to another machine). The MediaSource lives in this worker; the
// page attaches its handle to a <video> element, and the browser's media pipeline decodes and
// shows the frames. Each frame becomes one fMP4 fragment (./fmp4.js) lasting one frame at the
// stream's rate, each starting where the last ended: a gap in the timeline (a frame dropped, a
// slow start) would stall playback for good, as Chromium does not jump gaps. The page hears each
// frame's media time with its capture time, for latency, and keeps playback at the live edge.

import { concat, initSegment, mediaSegment } from './fmp4.js';

/** Seconds of stream kept behind the live edge, and how often (frames) the rest is removed. */
const KEEP_SECONDS = 10;
const TRIM_EVERY_FRAMES = 300;

export class MsePlayer {
  /** `post(message, transfer)` reaches the page (stream worker → viewer.js). */
  constructor(post, onFailed) {
    this.post = post;
    this.onFailed = onFailed;
    this.mediaSource = new MediaSource();
    this.sourceBuffer = null;
    this.mimeType = '';
    this.configKey = '';
    this.needsKeyframe = true;
    this.frameMs = 1000 / 30;
    /** Where the next frame starts on the media timeline, ms. */
    this.nextTimeMs = 0;
    this.sequence = 0;
    this.trimmedAt = 0;
    /** Segments waiting for the source buffer, in order (none may be skipped). */
    this.waiting = [];
    this.mediaSource.addEventListener('sourceopen', () => this.appendWaiting(), { once: true });
    const handle = this.mediaSource.handle;
    post({ type: 'mse', handle }, [handle]);
  }

  /** The stream's nominal rate: each fragment lasts one frame at it. */
  setFps(fps) {
    if (fps > 0) this.frameMs = 1000 / fps;
  }

  /** Queues one frame; returns its media time (ms), or null when it cannot be played. */
  push({ tag, config, data }) {
    if (tag.keyframe && config) this.configure(tag, config);
    if (this.needsKeyframe && !tag.keyframe) return null;
    if (!this.configKey) return null;
    this.needsKeyframe = false;
    const timeMs = Math.round(this.nextTimeMs);
    this.nextTimeMs += this.frameMs;
    this.waiting.push(
      mediaSegment({
        sequence: ++this.sequence,
        timeMs,
        durationMs: Math.round(this.nextTimeMs) - timeMs,
        keyframe: tag.keyframe,
        data,
      }),
    );
    this.appendWaiting();
    return timeMs;
  }

  configure(tag, config) {
    const key = `${tag.codec} ${tag.width}x${tag.height} ${config.join(',')}`;
    if (key === this.configKey) return;
    this.configKey = key;
    this.waiting.push({ init: initSegment({ width: tag.width, height: tag.height, config }), tag });
  }

  appendWaiting() {
    if (this.mediaSource.readyState !== 'open') return;
    if (this.sourceBuffer?.updating || this.waiting.length === 0) return;
    try {
      const first = this.waiting[0];
      if (first.init) {
        this.waiting.shift();
        const mimeType = `video/mp4; codecs="${first.tag.codec}"`;
        if (!this.sourceBuffer) {
          this.sourceBuffer = this.mediaSource.addSourceBuffer(mimeType);
          this.sourceBuffer.addEventListener('updateend', () => this.appendWaiting());
          this.sourceBuffer.addEventListener('error', () =>
            this.onFailed('Could not play a frame'),
          );
          this.mediaSource.duration = Infinity; // a live stream: no end
        } else if (mimeType !== this.mimeType) this.sourceBuffer.changeType(mimeType);
        this.mimeType = mimeType;
        this.sourceBuffer.appendBuffer(first.init);
        return;
      }
      if (this.trimBehind()) return;
      // Every media segment waiting up to the next init segment, in one append.
      const next = this.waiting.findIndex((item) => item.init);
      const segments = this.waiting.splice(0, next === -1 ? this.waiting.length : next);
      this.sourceBuffer.appendBuffer(concat(...segments));
    } catch (error) {
      this.onFailed(`Could not play the stream: ${error.message}`);
    }
  }

  /**
   * Keeps the buffer short: what lies well behind the live edge is never shown again. Returns
   * whether a removal started (the next append waits for its `updateend`).
   */
  trimBehind() {
    const { buffered } = this.sourceBuffer;
    if (buffered.length === 0 || this.sequence - this.trimmedAt < TRIM_EVERY_FRAMES) return false;
    this.trimmedAt = this.sequence;
    const start = buffered.start(0);
    const end = buffered.end(buffered.length - 1);
    if (end - start <= KEEP_SECONDS * 2) return false;
    this.sourceBuffer.remove(start, end - KEEP_SECONDS);
    return true;
  }
}

/** Whether this worker can play the server's H.264 through MSE. */
export function mseDecodesH264() {
  return (
    typeof MediaSource !== 'undefined' &&
    MediaSource.canConstructInDedicatedWorker === true &&
    MediaSource.isTypeSupported('video/mp4; codecs="avc1.42c01f"')
  );
}
