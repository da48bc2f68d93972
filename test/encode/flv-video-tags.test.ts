import { describe, expect, it } from 'vitest';
import { FlvVideoTags, type FlvVideoTag } from '../../src/encode/flv-video-tags.js';

/** One FLV tag: 11-byte header, body, then the 4-byte previous-tag size. */
function tag(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(11);
  header[0] = type;
  header.writeUIntBE(body.length, 1, 3);
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(11 + body.length);
  return Buffer.concat([header, body, trailer]);
}

const videoBody = (frameType: number, packetType: number, payload: string) =>
  Buffer.concat([Buffer.from([(frameType << 4) | 7, packetType, 0, 0, 0]), Buffer.from(payload)]);

const stream = Buffer.concat([
  Buffer.from('FLV\x01\x01\x00\x00\x00\x09\x00\x00\x00\x00', 'latin1'),
  tag(18, Buffer.from('metadata')), // script data: not video
  tag(9, videoBody(1, 0, 'avcC')),
  tag(9, videoBody(1, 1, 'key frame')),
  tag(8, Buffer.from('audio')),
  tag(9, videoBody(2, 1, 'inter frame')),
]);

const expected: FlvVideoTag[] = [
  { kind: 'config', data: Buffer.from('avcC') },
  { kind: 'frame', keyframe: true, data: Buffer.from('key frame') },
  { kind: 'frame', keyframe: false, data: Buffer.from('inter frame') },
];

describe('FlvVideoTags', () => {
  it('finds the config and each frame, whole', () => {
    expect(new FlvVideoTags().push(stream)).toEqual(expected);
  });

  it('gives the same tags however the stream is cut into chunks', () => {
    for (const size of [1, 2, 5, 13, 27]) {
      const tags = new FlvVideoTags();
      const found: FlvVideoTag[] = [];
      for (let at = 0; at < stream.length; at += size) {
        found.push(...tags.push(stream.subarray(at, at + size)));
      }
      expect(found).toEqual(expected);
    }
  });

  it('refuses a stream that is not FLV', () => {
    expect(() => new FlvVideoTags().push(Buffer.from('RIFF0000WAVEfmt '))).toThrow(/FLV/);
  });
});
