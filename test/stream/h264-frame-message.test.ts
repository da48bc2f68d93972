import { describe, expect, it } from 'vitest';
import {
  avcCodecString,
  packH264Frame,
  readH264Frame,
} from '../../src/stream/h264-frame-message.js';

const config = Buffer.from([1, 0x42, 0xc0, 0x1f, 0xff, 0xe1, 0, 2, 0x67, 0x42]);

describe('H.264 frame messages', () => {
  it('carry the tag, the config on keyframes, and the access unit', () => {
    const unit = Buffer.from([0, 0, 0, 2, 0x65, 0x88]);
    const key = packH264Frame(
      { data: unit, keyframe: true, config },
      { index: 7, captureMs: 1767052800123.5 },
      { width: 1280, height: 720 },
    );
    expect(key.toString('latin1', 0, 4)).toBe('H264');
    expect(readH264Frame(key)).toEqual({
      tag: {
        index: 7,
        captureMs: 1767052800123.5,
        keyframe: true,
        width: 1280,
        height: 720,
        codec: 'avc1.42c01f',
        configBytes: config.length,
      },
      config,
      accessUnit: unit,
    });
    const delta = packH264Frame(
      { data: unit, keyframe: false },
      { index: 8, captureMs: 1 },
      { width: 1280, height: 720 },
    );
    expect(readH264Frame(delta)).toEqual({
      tag: { index: 8, captureMs: 1, keyframe: false },
      accessUnit: unit,
    });
  });

  it('reads nothing from other bytes', () => {
    expect(readH264Frame(Buffer.from([0xff, 0xd8, 0xff, 0xfe]))).toBeUndefined();
    expect(avcCodecString(config)).toBe('avc1.42c01f');
  });
});
