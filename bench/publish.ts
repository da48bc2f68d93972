/**
 * `npm run bench:publish`: what `--publish` costs and delivers. The test pattern at a fixed
 * 1280×720, 30 fps, stylized live with the default model and watched by the page in headless
 * Chromium, twice, side by side in one run: first the page alone, then the page while the stream
 * is published to a real nginx-rtmp (started here, as the tests do) and a player (ffmpeg) pulls it
 * back. Reports the frames per second the page drew in each phase and their ratio; the frames
 * per second of H.264 the player decoded (wall clock); from the publisher's own counts, the
 * stylized frames per second its encoder took and those dropped at the offer (a newer one came
 * first); the publisher's ffmpegs' CPU per frame taken (Linux: from /proc); and the working size.
 * The machine (CPU model, cores, load average) is printed with them.
 *
 * With `--audio` the source is a clip of the test pattern with a tone (made here by ffmpeg, at the
 * size and rate, looping), and the publishing phase runs twice: muted, then with the tone as AAC;
 * the player's audio is counted too (seconds of it per second).
 *
 *   npm run bench:publish -- [--model NAME|PATH] [--device cpu] [--seconds 15] [--warmup 5]
 *                             [--size 1280x720|auto] [--fps 30] [--audio] [--json]
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseLiveSource } from '../src/decode/live-source.js';
import { parseSizeOption, SIZE_720P } from '../src/decode/working-size.js';
import { spawnFfmpeg } from '../src/ffmpeg.js';
import { parseDevice } from '../src/infer/execution-provider.js';
import { DEFAULT_MODEL } from '../src/infer/find-model.js';
import { InferencePool } from '../src/infer/inference-pool.js';
import { loadModel } from '../src/infer/load-model.js';
import { startLive, type LiveRun } from '../src/live/live-run.js';
import { PUBLISH_PRESET, publishBitrateKbps } from '../src/publish/publish-encoder.js';
import { StyleGallery } from '../src/stream/style-gallery.js';
import { DEFAULT_STYLE } from '../src/stylizer/default-style.js';
import { poolStylizer } from '../src/stylizer/open-stylizer.js';
import { launchChromium } from '../test/helpers/chromium.js';
import { makeClip } from '../test/helpers/media.js';
import { startRtmpServer } from '../test/helpers/nginx-rtmp.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: DEFAULT_MODEL },
    device: { type: 'string', default: 'auto' },
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '5' },
    size: { type: 'string', default: '1280x720' },
    fps: { type: 'string', default: '30' },
    audio: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

const seconds = Number(args.seconds);
const warmup = Number(args.warmup);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const round = (value: number) => Math.round(value * 10) / 10;
const log = (line: string) => process.stderr.write(`${line}\n`);

const model = await loadModel(args.model);
const pool = await InferencePool.open(model, { device: parseDevice(args.device) });
const gallery = await StyleGallery.fromFiles([DEFAULT_STYLE], {
  maxUploadBytes: 1 << 20,
  maxUploads: 1,
});
const settings = {
  styles: [{ name: gallery.names()[0]!, weight: 1 }],
  alpha: 1,
  preserveColor: false,
};
const size = args.size === 'auto' ? 'auto' : parseSizeOption(args.size);
/** With `--audio`: the test pattern and a tone, at the working size (720p for `auto`). */
const clipDir = args.audio ? await mkdtemp(join(tmpdir(), 'stylecast-bench-')) : undefined;
const clip = clipDir
  ? await makeClip(join(clipDir, 'tone.mp4'), {
      ...(size === 'auto' ? SIZE_720P : size),
      fps: Number(args.fps),
      seconds: 20,
    })
  : undefined;
const rtmp = await startRtmpServer();
const browser = await launchChromium();
const loadBefore = loadavg();

declare const window: { stylecast: { framesDrawn: number } };

/** Starts a live run, publishing to `publish` (or not), its audio too unless `mute`. */
function startPhase(publish: string[], mute = false): Promise<LiveRun> {
  return startLive(poolStylizer(pool), {
    source: parseLiveSource(clip ?? 'testsrc'),
    loop: clip !== undefined,
    mute,
    size,
    fps: Number(args.fps),
    gallery,
    settings,
    server: { port: 0 },
    publish,
    onPublish: (status) => log(`publish: ${JSON.stringify(status)}`),
  });
}

/**
 * CPU ms so far of this process's ffmpeg children that publish to `url` (the x264 `superfast`
 * encoders and the process naming the URL, not the player), from /proc (Linux): those still
 * running.
 */
async function publisherCpuMs(url: string): Promise<number> {
  const msPerTick = 10; // USER_HZ is 100 on Linux
  let total = 0;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      // After the command's name: state, ppid, … utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid) continue;
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      if (
        cmdline.includes('framemd5') ||
        !(cmdline.includes(url) || cmdline.includes(PUBLISH_PRESET))
      )
        continue;
      total += (Number(fields[11]) + Number(fields[12])) * msPerTick;
    } catch {
      // It exited meanwhile.
    }
  }
  return total;
}

/** Opens the page, warms up, and measures frames drawn and sent per second during `during`. */
async function pageFps(run: LiveRun, during: () => Promise<void>, publishUrl?: string) {
  const page = await browser.newPage();
  await page.goto(run.url);
  await sleep(warmup * 1000);
  const drawn = () => page.evaluate(() => window.stylecast.framesDrawn);
  const sentBefore = run.counts().sent;
  const publishedBefore = run.publishCounts()[0];
  const before = await drawn();
  const cpuBefore = publishUrl ? await publisherCpuMs(publishUrl) : 0;
  const startedMs = performance.now();
  await during();
  const elapsed = (performance.now() - startedMs) / 1000;
  const cpuMs = publishUrl ? (await publisherCpuMs(publishUrl)) - cpuBefore : 0;
  const published = run.publishCounts()[0];
  const taken = (published?.frames ?? 0) - (publishedBefore?.frames ?? 0);
  const result = {
    drawnFps: round(((await drawn()) - before) / elapsed),
    sentFps: round((run.counts().sent - sentBefore) / elapsed),
    // Stylized frames the publisher's encoder took.
    publishedFps: round(taken / elapsed),
    // Frames replaced at the offer by a newer one before the publisher could take them.
    publishDroppedFps: round(
      ((published?.dropped ?? 0) - (publishedBefore?.dropped ?? 0)) / elapsed,
    ),
    // The publisher's ffmpegs' CPU per frame taken (its encoders and muxer; Linux).
    publisherCpuMsPerFrame: round(taken > 0 ? cpuMs / taken : 0),
    size: `${run.video.width}x${run.video.height}`,
  };
  await page.close();
  return result;
}

/**
 * A player pulling the stream for `seconds`, decoding every frame it receives: a framemd5 line
 * each (`-vsync passthrough`: none repeated to fill the nominal rate; `-flush_packets 1`: each
 * line written as its frame is decoded). Reports frames per second as they arrived (wall clock)
 * and as the stream's timestamps space them.
 */
async function playFor(url: string, seconds: number) {
  const frames: { arrivedMs: number; pts: number }[] = [];
  /** Stream 0 is the video, stream 1 the audio where there is some. */
  const timeBases = [1, 1];
  let audioSeconds = 0;
  let partial = '';
  const player = spawnFfmpeg(
    [
      '-i',
      url,
      ...['-map', '0:v:0', '-map', '0:a:0?'],
      ...['-vsync', 'passthrough', '-flush_packets', '1', '-f', 'framemd5', 'pipe:1'],
    ],
    { task: `playing ${url}`, stdout: true },
  );
  player.stdout!.setEncoding('utf8');
  player.stdout!.on('data', (text: string) => {
    const parts = (partial + text).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      const tb = /^#tb (\d): (\d+)\/(\d+)/.exec(line);
      if (tb) timeBases[Number(tb[1])] = Number(tb[2]) / Number(tb[3]);
      if (line.startsWith('#') || !line.trim()) continue;
      const [stream, , pts, duration] = line.split(',').map(Number);
      if (stream === 1) audioSeconds += duration! * timeBases[1]!;
      else frames.push({ arrivedMs: performance.now(), pts: pts! * timeBases[0]! });
    }
  });
  // Counting starts `warmup` seconds after frames flow: a joining player is sent the frames since
  // the last keyframe at once, and catches up on what arrived while it probed the stream.
  while (frames.length === 0) await sleep(50);
  await sleep(warmup * 1000);
  const counted = frames.length;
  const audioBefore = audioSeconds;
  const countedFromMs = performance.now();
  await sleep(seconds * 1000);
  const window = frames.slice(counted);
  const audioInWindow = audioSeconds - audioBefore;
  const elapsed = (performance.now() - countedFromMs) / 1000;
  await player.stop();
  const ptsSpan = (window.at(-1)?.pts ?? 0) - (window[0]?.pts ?? 0);
  return {
    fps: round(window.length / elapsed),
    ptsFps: round(ptsSpan > 0 ? (window.length - 1) / ptsSpan : 0),
    frames: window.length,
    /** Seconds of audio decoded per second (1: it keeps up; 0: none). */
    audioRate: Number((audioInWindow / elapsed).toFixed(2)),
  };
}

try {
  log(`phase 1: the page alone, ${seconds} s`);
  const alone = await startPhase([]);
  const pageAlone = await pageFps(alone, () => sleep(seconds * 1000));
  await alone.stop();

  /** The page while publishing (muted or not) and a player pulls the stream. */
  const publishPhase = async (name: string, mute: boolean) => {
    log(`${name}: the page while publishing to nginx-rtmp and a player pulls it, ${seconds} s`);
    const url = rtmp.streamUrl(name);
    const run = await startPhase([url], mute);
    let player: Awaited<ReturnType<typeof playFor>> | undefined;
    const page = await pageFps(
      run,
      async () => {
        player = await playFor(url, seconds);
      },
      url,
    );
    await run.stop();
    return { run, page, player };
  };
  // With a clip, the first publishing phase leaves its audio out, the second sends it.
  const { run: publishing, page: pagePublishing, player } = await publishPhase('video', !!clip);
  const withAudio = clip ? await publishPhase('audio', false) : undefined;

  const { width, height, fps } = publishing.video;
  const result = {
    machine: {
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      loadAverage1m: { before: round(loadBefore[0]!), after: round(loadavg()[0]!) },
    },
    model: `${model.card.name} on ${pool.provider} (${pool.workerCount} workers)`,
    video: `${width}x${height} at ${fps} fps`,
    encoder: `x264 ${PUBLISH_PRESET} zerolatency, ${publishBitrateKbps({ width, height, fps })} kbit/s`,
    pageAlone,
    pagePublishing,
    pageRatio: Number((pagePublishing.drawnFps / pageAlone.drawnFps).toFixed(2)),
    player,
    ...(withAudio
      ? {
          pageWithAudio: withAudio.page,
          pageWithAudioRatio: Number((withAudio.page.drawnFps / pageAlone.drawnFps).toFixed(2)),
          playerWithAudio: withAudio.player,
        }
      : {}),
  };
  if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    const lines = [
      `machine: ${result.machine.cpu}, ${result.machine.cores} cores, load average ${result.machine.loadAverage1m.before} → ${result.machine.loadAverage1m.after}`,
      `live: ${clip ? 'a clip with a tone' : 'the test pattern'}, ${result.video}, model ${result.model}; publishing ${result.encoder}`,
      `page alone:        ${pageAlone.drawnFps} fps drawn (${pageAlone.sentFps} sent)`,
      `page + publishing${clip ? ' (muted)' : ''}: ${pagePublishing.drawnFps} fps drawn (${pagePublishing.sentFps} sent), ${result.pageRatio} of alone`,
      `publisher: ${pagePublishing.publishedFps} fps taken by its encoder, ${pagePublishing.publishDroppedFps} fps dropped at the offer, its ffmpegs ${pagePublishing.publisherCpuMsPerFrame} ms CPU a frame (working size ${pagePublishing.size})`,
      `player (nginx-rtmp → ffmpeg): ${player?.fps} fps of H.264 decoded (${player?.ptsFps} by the stream's timestamps)`,
    ];
    if (withAudio) {
      const { page, player: heard } = withAudio;
      lines.push(
        `page + publishing with audio: ${page.drawnFps} fps drawn (${page.sentFps} sent), ${result.pageWithAudioRatio} of alone`,
        `publisher: ${page.publishedFps} fps taken by its encoder, ${page.publishDroppedFps} fps dropped at the offer, its ffmpegs ${page.publisherCpuMsPerFrame} ms CPU a frame (working size ${page.size})`,
        `player: ${heard?.fps} fps of H.264 decoded (${heard?.ptsFps} by timestamps), ${heard?.audioRate} s of AAC a second`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }
} finally {
  await browser.close();
  await rtmp.remove();
  await pool.close();
  if (clipDir) await rm(clipDir, { recursive: true, force: true });
}
