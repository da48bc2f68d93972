/**
 * For `bench:live`: what a smaller working size costs in style. One testsrc2 frame (1280×720, the
 * live source's pattern) is stylized at the working size and at 1280×720 with the same model and
 * style; the smaller result is scaled up to 1280×720, as the page's canvas shows it; both are
 * scored by `stylemetrics.py` against the style image (one Python start for both).
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { Size } from '../src/decode/working-size.js';
import { ffmpegPath } from '../src/ffmpeg.js';

const STYLEMETRICS = new URL('../../shared/tools/stylemetrics.py', import.meta.url).pathname;
const FULL: Size = { width: 1280, height: 720 };
const run = promisify(execFile);

export interface StyleAtSize {
  /** What was compared, in words. */
  compared: string;
  size: string;
  atSize: { style: number; content: number };
  atFull: { style: number; content: number };
  /** Style distance at the working size over that at full size: above 1 is further from the style. */
  styleRatio: number;
}

/** `stylize` turns packed RGB24 at a size into packed RGB24 at that size. */
export async function styleAtSize(
  size: Size,
  styleImage: string,
  stylize: (frame: { width: number; height: number; data: Uint8Array }) => Promise<Uint8Array>,
): Promise<StyleAtSize> {
  const dir = await mkdtemp(join(tmpdir(), 'stylecast-bench-style-'));
  try {
    const content = join(dir, 'content.png');
    // One second in, so the pattern's moving parts are on screen.
    await run(ffmpegPath(), [
      ...['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${FULL.width}x${FULL.height}:rate=30`],
      ...['-ss', '1', '-frames:v', '1', content],
    ]);
    for (const [name, at] of [
      ['size', size],
      ['full', FULL],
    ] as const) {
      const data = await sharp(content)
        .removeAlpha()
        .resize(at.width, at.height, { fit: 'fill' })
        .raw()
        .toBuffer();
      const out = await stylize({ width: at.width, height: at.height, data: new Uint8Array(data) });
      await sharp(out, { raw: { width: at.width, height: at.height, channels: 3 } })
        .resize(FULL.width, FULL.height, { fit: 'fill' })
        .png()
        .toFile(join(dir, `${name}.out.png`));
      await copyFile(content, join(dir, `${name}.content.png`));
      await copyFile(styleImage, join(dir, `${name}.style${extname(styleImage)}`));
    }
    const { stdout } = await run('/usr/bin/python3', [STYLEMETRICS, 'pairs', dir], {
      timeout: 300_000,
    });
    const { pairs } = JSON.parse(stdout) as {
      pairs: Record<'size' | 'full', { style: number; content: number }>;
    };
    return {
      compared: `testsrc2 frame at 1 s stylized at ${size.width}x${size.height} (scaled up to 1280x720) and at 1280x720, same model and style, stylemetrics against the style image`,
      size: `${size.width}x${size.height}`,
      atSize: pairs.size,
      atFull: pairs.full,
      styleRatio: Math.round((pairs.size.style / pairs.full.style) * 100) / 100,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
