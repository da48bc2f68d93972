/**
 * Valid media whose timestamps do not start at 0, or whose container states its duration in
 * another way than the decoder counts, renders every frame ffmpeg decodes: never "damaged".
 * Every file is made here by the bundled ffmpeg with a recipe users run.
 */
import { existsSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeMedia } from '../../src/decode/probe.js';
import { StylecastError } from '../../src/errors.js';
import { planRender, renderVideo } from '../../src/render/render-video.js';
import type { Stylizer } from '../../src/stylizer/stylizer.js';
import type { StyleSettings } from '../../src/types.js';
import { ffmpeg, makeClip, tempDir } from '../helpers/media.js';
import { openTinyPool, paintingStyle } from '../helpers/tiny-model.js';

let stylizer: Stylizer;
let style: StyleSettings;
let silent: string;
let withAudio: string;
const temp = tempDir();
const copy = (input: string, output: string, before: string[], after: string[] = []) =>
  ffmpeg([...before, '-i', input, '-c', 'copy', ...after, join(temp.dir, output)]).then(() =>
    join(temp.dir, output),
  );

beforeAll(async () => {
  let styles;
  ({ stylizer, styles } = await openTinyPool({ workers: 1 }));
  style = await paintingStyle(styles);
  // 2 s at 25 fps: 50 frames, one keyframe (x264's default interval is longer than the clip).
  silent = await makeClip(join(temp.dir, 'silent.mp4'), {
    seconds: 2,
    width: 160,
    height: 120,
    audio: false,
  });
  withAudio = await makeClip(join(temp.dir, 'audio.mp4'), { seconds: 2, width: 160, height: 120 });
});
afterAll(async () => {
  await stylizer.close();
  temp.cleanup();
});

async function render(input: string, name: string) {
  const output = join(temp.dir, name);
  const plan = await planRender({ input, output, lossless: true });
  const result = await renderVideo(stylizer, { ...plan, styleFor: () => style });
  const written = await probeMedia(output, { countFrames: true });
  return { plan, result, written };
}

describe('timestamps that do not start at 0', () => {
  it('a Matroska file made with -output_ts_offset 10 (its header says 12 s for 2)', async () => {
    const input = await copy(silent, 'offset.mkv', [], ['-output_ts_offset', '10']);
    const { plan, result, written } = await render(input, 'offset.out.mkv');
    expect(plan.info).toMatchObject({ durationMs: 12_000, startMs: 10_000 });
    expect(result.frames).toBe(50);
    expect(written.frameCount).toBe(50);
    expect(written.durationMs).toBeGreaterThanOrEqual(1960);
    expect(written.durationMs).toBeLessThanOrEqual(2080);
  });

  it('a -copyts remux of a transport stream, to Matroska and to MP4', async () => {
    const ts = await copy(silent, 'clip.ts', [], ['-f', 'mpegts']);
    for (const name of ['copyts.mkv', 'copyts.mp4']) {
      const input = await copy(ts, name, ['-copyts']);
      const { plan, result, written } = await render(input, `out.${name}.mkv`);
      expect(plan.info.startMs).toBeGreaterThan(1000); // a TS starts at 1.4 s
      expect(result.frames).toBe(50);
      expect(written.frameCount).toBe(50);
    }
  });

  it('an MP4 cut with -ss as a stream copy: an edit list hides the first second', async () => {
    const input = await copy(silent, 'trimmed.mp4', ['-ss', '1']);
    const { plan, result, written } = await render(input, 'trimmed.out.mkv');
    expect(plan.info.durationMs).toBeGreaterThan(1900); // the header counts the hidden second
    expect(result.frames).toBe(25);
    expect(written.frameCount).toBe(25);
  });

  it('audio that starts a second before the video keeps its place', async () => {
    const input = join(temp.dir, 'late-video.mp4');
    await ffmpeg([
      ...['-i', withAudio, '-itsoffset', '1', '-i', withAudio],
      ...['-map', '1:v', '-map', '0:a', '-c', 'copy', input],
    ]);
    const { plan, result, written } = await render(input, 'late-video.out.mkv');
    expect(plan.info.startMs).toBe(0);
    // The decoder's timeline starts with the audio: the first video frame is held for 1 s.
    expect(result.frames).toBe(75);
    expect(written).toMatchObject({ frameCount: 75, hasAudio: true });
    // 1 s of held frame + 2 s of video; the MP4 header itself says 2 s (its movie duration).
    expect(plan.info.streamedMs).toBe(3000);
    expect(written.durationMs).toBeGreaterThanOrEqual(2980);
    expect(written.durationMs).toBeLessThanOrEqual(3080);
  });

  it('a cut Matroska file that starts at 10 s is still called cut short', async () => {
    const input = await copy(silent, 'cut.mkv', [], ['-output_ts_offset', '10']);
    truncateSync(input, Math.floor(statSync(input).size * 0.5));
    const failure = await render(input, 'cut.out.mkv').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StylecastError);
    expect((failure as StylecastError).message).toMatch(
      /cut\.mkv is damaged or cut short: decoded \d+ of 50 frames$/,
    );
    expect(existsSync(join(temp.dir, 'cut.out.mkv'))).toBe(false);
    expect(readdirSync(temp.dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });
});
