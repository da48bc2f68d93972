import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeMedia } from '../../src/decode/probe.js';
import type { StyleCodes } from '../../src/infer/style-codes.js';
import { planRender, renderVideo, type RenderVideoOptions } from '../../src/render/render-video.js';
import type { Stylizer } from '../../src/stylizer/stylizer.js';
import type { StyleSettings } from '../../src/types.js';
import {
  channelMeans,
  chroma,
  decodeAll,
  distance,
  ffmpeg,
  imageChannelMeans,
  makeClip,
  tempDir,
} from '../helpers/media.js';
import { openTinyPool, PAINTING, paintingStyle } from '../helpers/tiny-model.js';

let stylizer: Stylizer;
let styles: StyleCodes;
let style: StyleSettings;
const temp = tempDir();

beforeAll(async () => {
  ({ stylizer, styles } = await openTinyPool());
  style = await paintingStyle(styles);
});
afterAll(async () => {
  await stylizer.close();
  temp.cleanup();
});

async function render(input: string, output: string, extra: Partial<RenderVideoOptions> = {}) {
  const plan = await planRender({ input, output, ...extra });
  return renderVideo(stylizer, { ...plan, styleFor: () => style, ...extra });
}

describe('renderVideo', () => {
  it('keeps frame count, duration, size, rate and audio, and moves the picture toward the style', async () => {
    const input = await makeClip(join(temp.dir, 'basic.mp4'), { seconds: 2, fps: 25 });
    const output = join(temp.dir, 'basic.out.mp4');
    const result = await render(input, output);
    const source = await probeMedia(input, { countFrames: true });
    const out = await probeMedia(output, { countFrames: true });
    expect(result.frames).toBe(source.frameCount);
    expect(out.frameCount).toBe(source.frameCount);
    expect(out).toMatchObject({
      width: 320,
      height: 240,
      fps: 25,
      hasAudio: true,
      audioCodec: 'aac',
      videoCodec: 'h264',
    });
    expect(Math.abs(out.durationMs! - source.durationMs!)).toBeLessThanOrEqual(60);

    const target = await imageChannelMeans(PAINTING);
    const [before] = await decodeAll(input, 320, 240);
    const [after] = await decodeAll(output, 320, 240);
    expect(distance(channelMeans(after!), target)).toBeLessThan(
      distance(channelMeans(before!), target) / 2,
    );
  });

  it('writes a silent output for a silent input', async () => {
    const input = await makeClip(join(temp.dir, 'silent.mp4'), { audio: false });
    const output = join(temp.dir, 'silent.out.mp4');
    await render(input, output);
    expect((await probeMedia(output)).hasAudio).toBe(false);
  });

  it('keeps an odd size exactly', async () => {
    const input = await makeClip(join(temp.dir, 'odd.mkv'), {
      filter: 'scale=321:241',
      extra: ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv444p'],
    });
    const output = join(temp.dir, 'odd.out.mp4');
    await render(input, output);
    expect(await probeMedia(output)).toMatchObject({ width: 321, height: 241 });
  });

  it('applies rotation metadata: a portrait phone video stays portrait', async () => {
    const stored = await makeClip(join(temp.dir, 'landscape.mp4'), { audio: false });
    const input = join(temp.dir, 'rotated.mp4');
    await ffmpeg(['-i', stored, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', input]);
    const rotated = await probeMedia(input);
    expect(rotated).toMatchObject({ width: 240, height: 320 });
    expect(rotated.rotation % 180).toBe(90);
    const output = join(temp.dir, 'rotated.out.mp4');
    await render(input, output);
    expect(await probeMedia(output)).toMatchObject({ width: 240, height: 320, rotation: 0 });
  });

  it('reads 10-bit sources', async () => {
    const input = await makeClip(join(temp.dir, 'ten.mp4'), {
      audio: false,
      extra: ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p10le'],
    });
    expect((await probeMedia(input)).bitDepth).toBe(10);
    const output = join(temp.dir, 'ten.out.mp4');
    const result = await render(input, output);
    expect(result.frames).toBe(50);
  });

  it('renders a variable-frame-rate source at its average rate with its duration kept', async () => {
    const input = join(temp.dir, 'vfr.mkv');
    // Drop 4 of every 10 frames, keeping timestamps: gaps of 1 and 5 frame times.
    await ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x240:rate=30',
      '-f',
      'lavfi',
      '-i',
      'sine',
      '-t',
      '3',
      '-vf',
      "select='lt(mod(n\\,10)\\,6)'",
      '-vsync',
      'vfr',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-c:a',
      'aac',
      input,
    ]);
    const source = await probeMedia(input);
    const output = join(temp.dir, 'vfr.out.mp4');
    const result = await render(input, output);
    const out = await probeMedia(output, { countFrames: true });
    expect(out.fps).toBeCloseTo(source.fps, 1);
    expect(Math.abs(out.durationMs! - source.durationMs!)).toBeLessThanOrEqual(100);
    expect(out.frameCount).toBe(result.frames);
  });

  it('writes .mkv, .mov and .webm (VP9 + Opus), and a lossless FFV1 .mkv', async () => {
    const input = await makeClip(join(temp.dir, 'formats.mp4'), { seconds: 1 });
    const expected = {
      mkv: { videoCodec: 'h264', audioCodec: 'aac' },
      mov: { videoCodec: 'h264', audioCodec: 'aac' },
      webm: { videoCodec: 'vp9', audioCodec: 'opus' },
    };
    for (const [ext, codecs] of Object.entries(expected)) {
      const output = join(temp.dir, `formats.out.${ext}`);
      await render(input, output);
      expect(await probeMedia(output, { countFrames: true })).toMatchObject({
        ...codecs,
        frameCount: 25,
        width: 320,
        height: 240,
      });
    }
    const lossless = join(temp.dir, 'lossless.mkv');
    await render(input, lossless, { lossless: true });
    expect((await probeMedia(lossless)).videoCodec).toBe('ffv1');
  });

  it('keeps content colours with preserveColor, and an unstyled frame with styleFor → null', async () => {
    const input = await makeClip(join(temp.dir, 'colour.mp4'), { seconds: 1, audio: false });
    const [source] = await decodeAll(input, 320, 240);
    const preserved = join(temp.dir, 'preserved.mkv');
    await render(input, preserved, {
      styleFor: () => ({ ...style, preserveColor: true }),
      lossless: true,
    });
    const [kept] = await decodeAll(preserved, 320, 240);
    const [plain] = await decodeAll(
      await render(input, join(temp.dir, 'plain.mkv'), { lossless: true }).then((r) => r.output),
      320,
      240,
    );
    // The stylized frame's chroma moved toward the style's; the preserved one kept the source's.
    const keptShift = distance(chroma(channelMeans(kept!)), chroma(channelMeans(source!)));
    const styledShift = distance(chroma(channelMeans(plain!)), chroma(channelMeans(source!)));
    expect(keptShift).toBeLessThan(styledShift / 2);

    const untouched = join(temp.dir, 'untouched.mkv');
    await render(input, untouched, { styleFor: () => null, lossless: true });
    const [same] = await decodeAll(untouched, 320, 240);
    expect(Buffer.compare(Buffer.from(same!), Buffer.from(source!))).toBe(0);
  });
});
