/**
 * `npm run bench:publish-sync`: how close the published sound is to its picture. A clip whose
 * picture flashes white and whose tone beeps at the same moments, once a second (made here by
 * ffmpeg), is stylized live and published to a real nginx-rtmp (started here); ten seconds of the
 * stream are pulled back, and each flash's first frame is paired with the nearest beep's onset on
 * the stream's timestamps. Reports the offsets (audio after picture is positive), with the machine
 * and its load. With `--relay` the clip is first pushed to the server and the live run reads that
 * stream, as it would a camera's: a live source joined mid-way.
 *
 *   npm run bench:publish-sync -- [--model NAME|PATH] [--size 1280x720] [--fps 30] [--relay]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseLiveSource } from '../src/decode/live-source.js';
import { parseSizeOption } from '../src/decode/working-size.js';
import { ffmpegLog, spawnFfmpeg } from '../src/ffmpeg.js';
import { DEFAULT_MODEL } from '../src/infer/find-model.js';
import { InferencePool } from '../src/infer/inference-pool.js';
import { loadModel } from '../src/infer/load-model.js';
import { startLive } from '../src/live/live-run.js';
import { StyleGallery } from '../src/stream/style-gallery.js';
import { DEFAULT_STYLE } from '../src/stylizer/default-style.js';
import { poolStylizer } from '../src/stylizer/open-stylizer.js';
import { ffmpeg } from '../test/helpers/media.js';
import { startRtmpServer } from '../test/helpers/nginx-rtmp.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: DEFAULT_MODEL },
    size: { type: 'string', default: '1280x720' },
    fps: { type: 'string', default: '30' },
    relay: { type: 'boolean', default: false },
  },
});
const { width, height } = parseSizeOption(args.size);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const log = (line: string) => process.stderr.write(`${line}\n`);

/** A flash and a 1 kHz beep in the first 0.1 s of every second. */
async function makeSyncClip(path: string): Promise<void> {
  const on = 'lt(mod(t\\,1)\\,0.1)';
  await ffmpeg([
    ...['-f', 'lavfi', '-i'],
    `color=c=black:s=${width}x${height}:r=${args.fps}[a];color=c=white:s=${width}x${height}:r=${args.fps}[b];[a][b]overlay=enable='${on}'`,
    ...['-f', 'lavfi', '-i'],
    "sine=f=1000:sample_rate=48000,volume='if(lt(mod(t,1),0.1),1,0)':eval=frame",
    ...['-t', '20', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'],
    ...['-g', args.fps, '-c:a', 'aac', path],
  ]);
}

/** Times (s) where a stream turns on: the first frame over mid-grey, the first loud 5 ms. */
async function onsets(path: string): Promise<{ flashes: number[]; beeps: number[] }> {
  const rising = (points: [number, boolean][]) =>
    points.filter(([, on], i) => on && !(points[i - 1]?.[1] ?? false)).map(([t]) => t);
  const video = await ffmpegLog(
    ['-i', path, '-map', '0:v', '-vf', 'format=gray,showinfo', '-f', 'null', '-'],
    'finding flashes',
  );
  const frames = [...video.stderr.matchAll(/pts_time:([\d.]+) .*?mean:\[(\d+)/g)].map(
    (m): [number, boolean] => [Number(m[1]), Number(m[2]) > 128],
  );
  const audio = await ffmpegLog(
    [
      ...['-i', path, '-map', '0:a', '-af'],
      'asetnsamples=240,astats=metadata=1:reset=1,ametadata=print:key=lavfi.astats.Overall.RMS_level',
      ...['-f', 'null', '-'],
    ],
    'finding beeps',
  );
  const windows = [
    ...audio.stderr.matchAll(/pts_time:([\d.]+)[^]*?RMS_level=(-?[\d.]+|-inf)/g),
  ].map((m): [number, boolean] => [Number(m[1]), m[2] !== '-inf' && Number(m[2]) > -30]);
  return { flashes: rising(frames), beeps: rising(windows) };
}

const dir = await mkdtemp(join(tmpdir(), 'stylecast-sync-'));
const rtmp = await startRtmpServer();
const pool = await InferencePool.open(await loadModel(args.model), { device: 'cpu' });
const gallery = await StyleGallery.fromFiles([DEFAULT_STYLE], {
  maxUploadBytes: 1 << 20,
  maxUploads: 1,
});
const clip = join(dir, 'sync.mp4');
const pulled = join(dir, 'pulled.flv');
const loadBefore = loadavg();
let pusher: ReturnType<typeof spawnFfmpeg> | undefined;
try {
  await makeSyncClip(clip);
  if (args.relay) {
    pusher = spawnFfmpeg(
      [
        '-re',
        '-stream_loop',
        '-1',
        '-i',
        clip,
        '-c',
        'copy',
        '-f',
        'flv',
        rtmp.streamUrl('source'),
      ],
      { task: 'pushing the clip' },
    );
    await sleep(2000);
  }
  const run = await startLive(poolStylizer(pool), {
    source: parseLiveSource(pusher ? rtmp.streamUrl('source') : clip),
    loop: !pusher,
    size: { width, height },
    gallery,
    settings: {
      styles: [{ name: gallery.names()[0]!, weight: 1 }],
      alpha: 0.5,
      preserveColor: false,
    },
    server: { port: 0 },
    publish: [rtmp.streamUrl('sync')],
  });
  await sleep(5000);
  await spawnFfmpeg(['-i', rtmp.streamUrl('sync'), '-t', '10', '-c', 'copy', pulled], {
    task: 'pulling the stream',
  }).done;
  await run.stop();
  const { flashes, beeps } = await onsets(pulled);
  // Each flash with the beep nearest it; one without a beep within half a second (the pulled
  // stream's ends cut one of the two) is left out.
  const offsets = flashes
    .map((flash) => {
      const nearest = beeps.reduce(
        (best, beep) => (Math.abs(beep - flash) < Math.abs(best - flash) ? beep : best),
        Infinity,
      );
      return Math.round((nearest - flash) * 1000);
    })
    .filter((offset) => Math.abs(offset) < 500);
  const sorted = [...offsets].sort((a, b) => a - b);
  log(
    `machine: ${cpus()[0]?.model}, ${cpus().length} cores, load average ${loadBefore[0]!.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`,
  );
  process.stdout.write(
    `${pusher ? 'an RTMP stream of the clip' : 'the clip'}, ${width}x${height} at ${args.fps} fps, model ${pool.model.card.name}\n` +
      `audio after picture, ms, per flash: ${offsets.join(' ')}\n` +
      `min ${sorted[0]}, median ${sorted[Math.floor(sorted.length / 2)]}, max ${sorted.at(-1)}\n`,
  );
} finally {
  await pusher?.stop();
  await pool.close();
  await rtmp.remove();
  await rm(dir, { recursive: true, force: true });
}
