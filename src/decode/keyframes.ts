/**
 * Where a file's video keyframes are: read from the demuxer's packets (ffmpeg's `-dump` during a
 * stream copy, so nothing is decoded). A farm render cuts its chunks just after keyframes, so a
 * chunk decodes from its own keyframe instead of from one that may lie a whole GOP earlier.
 */
import { ffmpegFile, spawnFfmpeg } from '../ffmpeg.js';

/**
 * Containers whose index lets a seek land exactly on the keyframe at or before a time. In others
 * (MPEG-TS, raw streams) a seek lands only near it, and chunks are not cut at keyframes.
 */
const SEEKS_TO_KEYFRAMES = /^(mov,|matroska|avi$|nut$)/;

export function seeksToKeyframes(format: string): boolean {
  return SEEKS_TO_KEYFRAMES.test(format);
}

/** `Stream #0:1(und): Video: …`: the first video stream's index. */
const VIDEO_STREAM = /^\s*Stream #0:(\d+)[^:]*: Video:/;
/** `-dump` prints each packet as lines: `stream #1:`, `  keyframe=1`, …, `  dts=… pts=0.480`. */
const PACKET_STREAM = /^stream #(\d+):/;
const PACKET_PTS = /^\s*dts=\S+\s+pts=(-?\d+(?:\.\d+)?)/;

/**
 * The times of the first video stream's keyframes, in seconds from the file's start (`startMs`,
 * the probe's: the decoder's timeline, where frame 0 is), in the order the file holds them.
 */
export async function keyframeTimes(
  path: string,
  startMs: number,
  signal?: AbortSignal,
): Promise<number[]> {
  const times: number[] = [];
  let videoStream: number | undefined;
  let stream: number | undefined;
  let keyframe = false;
  const run = spawnFfmpeg(
    ['-dump', '-i', ffmpegFile(path), '-map', '0:v:0', '-c', 'copy', '-f', 'null', '-'],
    {
      task: `finding the keyframes of ${path}`,
      signal,
      logLevel: 'info',
      onStderrLine: (line) => {
        const packet = PACKET_STREAM.exec(line);
        if (packet) {
          stream = Number(packet[1]);
          keyframe = false;
          return;
        }
        if (line.trim() === 'keyframe=1') keyframe = true;
        const pts = PACKET_PTS.exec(line);
        if (pts && keyframe && stream === videoStream)
          times.push(Math.round(Number(pts[1]) * 1000 - startMs) / 1000); // ms, as printed
        const video = videoStream === undefined ? VIDEO_STREAM.exec(line) : null;
        if (video) videoStream = Number(video[1]);
      },
    },
  );
  await run.done;
  return times;
}
