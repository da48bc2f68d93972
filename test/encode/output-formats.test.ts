/**
 * The table of output formats is the one place a format is named: the messages, the farm's job
 * schema and README.md's list all come from it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  describeOutputFormats,
  imageFormat,
  outputFormat,
  VIDEO_EXTENSIONS,
} from '../../src/encode/output-formats.js';
import { chunkJobSchema } from '../../src/farm/chunk-job.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

describe('the output formats', () => {
  it('name every video extension in the message that refuses another', () => {
    expect(() => outputFormat('out.gif')).toThrow(
      'Unsupported output type `.gif`: use .mp4, .m4v, .mov, .mkv or .webm',
    );
    expect(() => outputFormat('out.mp4', { lossless: true })).toThrow(
      'Lossless output is written as FFV1 in Matroska: name the output .mkv, got `.mp4`',
    );
    expect(() => imageFormat('out.gif')).toThrow(
      'Unsupported image output `.gif`: use .png, .jpg or .webp',
    );
  });

  it('encode each video extension, upper case too, with its codec', () => {
    for (const ext of VIDEO_EXTENSIONS) {
      const args = outputFormat(`out${ext.toUpperCase()}`).videoArgs({ width: 64, height: 48 });
      expect(args[1], ext).toBe(ext === '.webm' ? 'libvpx-vp9' : 'libx264');
    }
    expect(outputFormat('out.mkv', { lossless: true }).videoArgs({ width: 2, height: 2 })[1]).toBe(
      'ffv1',
    );
    expect(outputFormat('out.mp4', { preset: 'slow' }).videoArgs({ width: 3, height: 3 })).toEqual([
      '-c:v',
      'libx264',
      '-preset',
      'slow',
      '-crf',
      '18',
      '-pix_fmt',
      'yuv444p',
    ]);
  });

  it("are the ones the farm's job schema takes", () => {
    const ext = chunkJobSchema.shape.format.shape.ext;
    for (const each of VIDEO_EXTENSIONS) expect(ext.safeParse(each).success, each).toBe(true);
    expect(ext.safeParse('.gif').success).toBe(false);
  });

  it("are listed in README.md's option table as the table says", () => {
    expect(describeOutputFormats()).toBe(
      '`.mp4 .m4v .mov` (H.264), `.mkv` (H.264, or FFV1 with `--lossless`), `.webm` (VP9 + Opus); images `.png .jpg .webp`',
    );
    expect(readFileSync(README, 'utf8')).toContain(describeOutputFormats());
  });
});
