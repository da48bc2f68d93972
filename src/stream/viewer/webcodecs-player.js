// H.264 decoded by WebCodecs (a secure context only: https, localhost) in the stream worker; the
// decoded frames go to the canvas drawer. Frames must reach the decoder in order from a keyframe,
// so a player that is not configured, or whose decoder failed, waits for the next keyframe (each
// carries its configuration).

/** Frames queued in the decoder beyond which the player skips to the next keyframe. */
const MAX_DECODE_QUEUE = 8;

export class WebCodecsPlayer {
  constructor(drawer, onFailed) {
    this.drawer = drawer;
    this.onFailed = onFailed;
    this.decoder = null;
    this.configKey = '';
    this.needsKeyframe = true;
    /** Tags of frames in the decoder, by chunk timestamp (the frame's index). */
    this.tags = new Map();
  }

  push({ tag, config, data }) {
    if (tag.keyframe && config) this.configure(tag, config);
    if (!this.decoder || this.decoder.state !== 'configured') this.needsKeyframe = true;
    // Behind by too much: drop to the next keyframe rather than show ever older frames.
    if (!tag.keyframe && (this.needsKeyframe || this.decoder.decodeQueueSize > MAX_DECODE_QUEUE)) {
      this.needsKeyframe = true;
      return;
    }
    if (this.needsKeyframe && (!tag.keyframe || !this.decoder)) return;
    this.needsKeyframe = false;
    this.tags.set(tag.index, tag);
    this.decoder.decode(
      new EncodedVideoChunk({ type: tag.keyframe ? 'key' : 'delta', timestamp: tag.index, data }),
    );
  }

  configure(tag, config) {
    const key = `${tag.codec} ${tag.width}x${tag.height} ${config.join(',')}`;
    if (key === this.configKey && this.decoder?.state === 'configured') return;
    if (!this.decoder || this.decoder.state === 'closed') {
      this.decoder = new VideoDecoder({
        output: (frame) => this.output(frame),
        error: (error) => {
          this.configKey = '';
          this.needsKeyframe = true;
          this.onFailed(`The H.264 decoder failed: ${error.message}`);
        },
      });
    }
    this.decoder.configure({
      codec: tag.codec,
      description: config,
      codedWidth: tag.width,
      codedHeight: tag.height,
      optimizeForLatency: true,
    });
    this.configKey = key;
  }

  output(frame) {
    const tag = this.tags.get(frame.timestamp) ?? null;
    // Tags of frames the decoder is done with (this one, and any it dropped before it).
    for (const index of this.tags.keys()) if (index <= frame.timestamp) this.tags.delete(index);
    this.drawer.draw(frame, tag);
  }
}

/** Whether this worker can decode the server's H.264 with WebCodecs. */
export async function webCodecsDecodesH264() {
  if (!self.isSecureContext || typeof VideoDecoder === 'undefined') return false;
  try {
    const { supported } = await VideoDecoder.isConfigSupported({ codec: 'avc1.42c01f' });
    return supported === true;
  } catch {
    return false;
  }
}
