/**
 * A live source's audio as it travels beside the frames: raw PCM in one fixed format (signed 16-bit
 * little-endian, 48 kHz, stereo), from the decoder's ffmpeg to a publisher's on fd 3. One format
 * for every source means a publisher's ffmpeg is told it once, whatever the source had.
 */

export const PCM_AUDIO = {
  /** Sample frames (one sample of every channel) per second. */
  rate: 48_000,
  channels: 2,
  /** Bytes of one sample frame: two channels of 16 bits. */
  frameBytes: 4,
} as const;

const format = ['-f', 's16le', '-ar', String(PCM_AUDIO.rate), '-ac', String(PCM_AUDIO.channels)];

/** ffmpeg's output options that write the input's first audio stream to fd 3 as PCM. */
export function pcmOutputArgs(): string[] {
  return ['-map', '0:a:0', ...format, 'pipe:3'];
}

/** ffmpeg's input options that read PCM from fd 3. */
export function pcmInputArgs(): string[] {
  return [...format, '-i', 'pipe:3'];
}

/** Milliseconds of audio in `frames` sample frames. */
export function pcmMs(frames: number): number {
  return (frames * 1000) / PCM_AUDIO.rate;
}

/** Sample frames in `ms` milliseconds of audio (rounded down). */
export function pcmFrames(ms: number): number {
  return Math.floor((ms * PCM_AUDIO.rate) / 1000);
}

/**
 * Cuts a pipe's chunks (of any length) into whole sample frames: what is left of a frame waits for
 * the next chunk.
 */
export class PcmFrameAligner {
  private partial: Uint8Array = new Uint8Array(0);

  /** The whole sample frames so far (empty when there are none yet). */
  push(chunk: Uint8Array): Uint8Array {
    const bytes = this.partial.length > 0 ? Buffer.concat([this.partial, chunk]) : chunk;
    const whole = bytes.length - (bytes.length % PCM_AUDIO.frameBytes);
    this.partial = new Uint8Array(bytes.subarray(whole)); // a copy: the chunk is not ours to keep
    return bytes.subarray(0, whole);
  }
}
