/**
 * One rule for style images, wherever they come from: a 48-megapixel style is refused with the
 * same line by render, image, a schedule, live's gallery and a viewer's upload — where live once
 * called it "not an image" while render took it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkScheduleImages } from '../../src/schedule/check-schedule-images.js';
import { StyleGallery } from '../../src/stream/style-gallery.js';
import { tempDir } from '../helpers/media.js';
import { errorLines, runCli } from '../helpers/run-cli.js';
import { PAINTING, TINY_MODEL } from '../helpers/tiny-model.js';

const temp = tempDir();
const big = join(temp.dir, 'big.jpg');
const refusal = (label: string): string =>
  `Style image ${label} is 8000x6000 (48 megapixels); the limit is 40 megapixels`;

beforeAll(async () => {
  await sharp({ create: { width: 8000, height: 6000, channels: 3, background: '#806040' } })
    .jpeg()
    .toFile(big);
});
afterAll(() => temp.cleanup());

describe('a style image over the pixel limit', () => {
  it('render and image refuse it with one line and write nothing', async () => {
    for (const [command, input, output] of [
      ['render', join(temp.dir, 'none.mp4'), 'out.mp4'],
      ['image', PAINTING, 'out.png'],
    ] as const) {
      const args = command === 'render' ? [command] : [command, input];
      const { code, stderr } = await runCli(
        [...args, '-m', TINY_MODEL, '--style', big, '-o', output, '-q'],
        { cwd: temp.dir },
      );
      expect({ command, code, lines: errorLines(stderr) }).toEqual({
        command,
        code: 1,
        lines: [`stylecast: ${refusal(big)}`],
      });
    }
    expect(readdirNames()).toEqual(['big.jpg']);
  });

  it('a schedule, live gallery and a viewer upload refuse it in the same words', async () => {
    expect(await checkScheduleImages([{ path: big, field: 'segments[0].style' }])).toEqual([
      { field: 'segments[0].style', message: refusal(big) },
    ]);
    const limits = { maxUploadBytes: 64 << 20, maxUploads: 4 };
    await expect(StyleGallery.fromFiles([big], limits)).rejects.toMatchObject({
      code: 'INPUT_TOO_LARGE',
      message: refusal(big),
    });
    const gallery = await StyleGallery.fromFiles([PAINTING], limits);
    await expect(gallery.prepareUpload(readFileSync(big).toString('base64'))).rejects.toMatchObject(
      { code: 'UPLOAD_TOO_LARGE', message: refusal('upload') },
    );
  });
});

function readdirNames(): string[] {
  return readdirSync(temp.dir).sort();
}
