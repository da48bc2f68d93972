/**
 * Splits an FLV byte stream (what ffmpeg writes for H.264 to a pipe, one tag per frame as soon as
 * it is encoded) into its H.264 video tags: the sequence header, which carries the decoder's
 * configuration (an AVCDecoderConfigurationRecord, "avcC"), and one access unit per frame, its
 * NAL units with 4-byte lengths, flagged keyframe or not. FLV is used because every tag states its
 * length: a frame is known complete the moment its bytes arrive (a raw H.264 stream shows where a
 * frame ends only when the next one starts). Chunks may split anywhere.
 */

export type FlvVideoTag =
  { kind: 'config'; data: Buffer } | { kind: 'frame'; keyframe: boolean; data: Buffer };

const FILE_HEADER_BYTES = 9 + 4; // 'FLV', version, flags, header size; then PreviousTagSize0
const TAG_HEADER_BYTES = 11;
const PREVIOUS_TAG_SIZE_BYTES = 4;
const VIDEO_TAG = 9;
const CODEC_AVC = 7;
const FRAME_TYPE_KEY = 1;
const AVC_SEQUENCE_HEADER = 0;
const AVC_NALU = 1;

export class FlvVideoTags {
  private buffered: Buffer = Buffer.alloc(0);
  private headerRead = false;

  /** Takes the next chunk of the stream; returns the video tags completed by it. */
  push(chunk: Buffer): FlvVideoTag[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const tags: FlvVideoTag[] = [];
    if (!this.headerRead) {
      if (this.buffered.length < FILE_HEADER_BYTES) return tags;
      if (this.buffered.toString('latin1', 0, 3) !== 'FLV') {
        throw new Error('Expected an FLV stream from the H.264 encoder');
      }
      this.buffered = this.buffered.subarray(FILE_HEADER_BYTES);
      this.headerRead = true;
    }
    for (;;) {
      if (this.buffered.length < TAG_HEADER_BYTES) break;
      const size = this.buffered.readUIntBE(1, 3);
      const total = TAG_HEADER_BYTES + size + PREVIOUS_TAG_SIZE_BYTES;
      if (this.buffered.length < total) break;
      const type = this.buffered[0]! & 0x1f;
      const body = this.buffered.subarray(TAG_HEADER_BYTES, TAG_HEADER_BYTES + size);
      this.buffered = this.buffered.subarray(total);
      // Video tag body: frame type and codec (1 byte), AVC packet type (1), composition time (3).
      if (type !== VIDEO_TAG || size < 5 || (body[0]! & 0x0f) !== CODEC_AVC) continue;
      const data = Buffer.from(body.subarray(5)); // its own memory: `buffered` is a window
      if (body[1] === AVC_SEQUENCE_HEADER) tags.push({ kind: 'config', data });
      else if (body[1] === AVC_NALU && data.length > 0) {
        tags.push({ kind: 'frame', keyframe: body[0]! >> 4 === FRAME_TYPE_KEY, data });
      }
    }
    return tags;
  }
}
