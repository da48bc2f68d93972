import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readJpegFrameTag, tagJpegFrame } from '../../src/stream/jpeg-frame-tag.js';

describe('tagJpegFrame', () => {
  it('puts the tag in a comment segment that decoders skip', async () => {
    const jpeg = await sharp({
      create: { width: 16, height: 8, channels: 3, background: '#336699' },
    })
      .jpeg()
      .toBuffer();
    const tagged = tagJpegFrame(jpeg, { index: 42, captureMs: 1767052800123.5 });
    expect(readJpegFrameTag(tagged)).toEqual({ index: 42, captureMs: 1767052800123.5 });
    const decoded = await sharp(tagged).raw().toBuffer({ resolveWithObject: true });
    expect(decoded.info).toMatchObject({ width: 16, height: 8 });
    expect(readJpegFrameTag(jpeg)).toBeUndefined();
  });

  it('refuses bytes that are not a JPEG', () => {
    expect(() => tagJpegFrame(Buffer.from('PNG'), { index: 0, captureMs: 0 })).toThrow(TypeError);
  });
});
