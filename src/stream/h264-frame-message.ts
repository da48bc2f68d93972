/**
 * The binary message of one H.264 frame (docs/protocol.md, "H.264 frames"): `H264`, a 2-byte
 * big-endian length, that many bytes of JSON (the frame's tag), the decoder configuration on
 * keyframes (`configBytes` long: an AVCDecoderConfigurationRecord), then the access unit (NAL
 * units with 4-byte big-endian lengths, as in MP4). A keyframe message carries everything a
 * decoder needs to start there: a viewer that joins late needs nothing sent before.
 */
import type { EncodedFrame } from '../encode/frame-encoder.js';
import type { FrameTag } from './jpeg-frame-tag.js';

export const H264_MAGIC = 'H264';

export interface H264FrameTag extends FrameTag {
  keyframe: boolean;
  /** Keyframes only: the frame's size, the RFC 6381 codec string, and the config's length. */
  width?: number;
  height?: number;
  codec?: string;
  configBytes?: number;
}

export interface H264FrameMessage {
  tag: H264FrameTag;
  config?: Buffer;
  accessUnit: Buffer;
}

/** `avc1.PPCCLL`: profile, constraint flags and level, from an avcC record. */
export function avcCodecString(config: Uint8Array): string {
  const hex = (byte: number | undefined) => (byte ?? 0).toString(16).padStart(2, '0');
  return `avc1.${hex(config[1])}${hex(config[2])}${hex(config[3])}`;
}

export function packH264Frame(
  encoded: EncodedFrame,
  tag: FrameTag,
  size: { width: number; height: number },
): Buffer {
  const { config } = encoded;
  const fullTag: H264FrameTag = { ...tag, keyframe: encoded.keyframe };
  if (encoded.keyframe && config) {
    Object.assign(fullTag, {
      ...size,
      codec: avcCodecString(config),
      configBytes: config.length,
    });
  }
  const json = Buffer.from(JSON.stringify(fullTag), 'utf8');
  const head = Buffer.alloc(6);
  head.write(H264_MAGIC, 0, 'latin1');
  head.writeUInt16BE(json.length, 4);
  const parts: Buffer[] = [head, json];
  if (fullTag.configBytes) parts.push(config!);
  parts.push(encoded.data);
  return Buffer.concat(parts);
}

/** Reads a message made by `packH264Frame`; undefined for anything else. */
export function readH264Frame(message: Uint8Array): H264FrameMessage | undefined {
  const bytes = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  if (bytes.length < 6 || bytes.toString('latin1', 0, 4) !== H264_MAGIC) return undefined;
  const tagEnd = 6 + bytes.readUInt16BE(4);
  let tag: H264FrameTag;
  try {
    tag = JSON.parse(bytes.toString('utf8', 6, tagEnd)) as H264FrameTag;
  } catch {
    return undefined;
  }
  const configEnd = tagEnd + (tag.configBytes ?? 0);
  return {
    tag,
    ...(tag.configBytes ? { config: bytes.subarray(tagEnd, configEnd) } : {}),
    accessUnit: bytes.subarray(configEnd),
  };
}
