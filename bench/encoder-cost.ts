/**
 * For `bench:live`: what each viewer transport costs per frame at each rung of the `--size auto`
 * ladder, side by side: JPEG (sharp, on libuv's thread pool) and H.264 (x264 in its ffmpeg
 * process, as the live server runs it). The frames are the live source's pattern (testsrc,
 * moving) stylized by the run's model, so the encoders see what they see live. Measured per
 * frame: CPU (this process's for JPEG; ffmpeg's, from /proc, for H.264 — its RGB to YUV
 * conversion included), the event loop's busy time (what the main thread spends handing frames
 * over), wall time from frame in to bytes out, and bytes.
 */
import { readFileSync } from 'node:fs';
import { decodeFrames } from '../src/decode/decode-frames.js';
import { liveInputArgs, parseLiveSource } from '../src/decode/live-source.js';
import type { Size } from '../src/decode/working-size.js';
import { H264FrameEncoder } from '../src/encode/h264-frame-encoder.js';
import { encodeJpeg } from '../src/encode/jpeg-frame.js';
import type { Frame } from '../src/types.js';

export interface EncoderCost {
  size: string;
  codec: 'jpeg' | 'h264';
  cpuMsPerFrame: number;
  mainThreadMsPerFrame: number;
  wallMsPerFrame: number;
  kbPerFrame: number;
  /** At 30 fps, the stream's bit rate. */
  mbpsAt30: number;
}

const TICK_MS = 10;

/** User + system CPU of a process, ms, from /proc (Linux). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

export async function sourceFrames(size: Size, count: number, fps: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  const controller = new AbortController();
  const args = liveInputArgs(parseLiveSource('testsrc'), { fps, size });
  for await (const frame of decodeFrames({
    ...size,
    fps,
    inputArgs: args,
    label: 'testsrc',
    signal: controller.signal,
  })) {
    frames.push(frame);
    if (frames.length >= count) break;
  }
  controller.abort();
  return frames;
}

const round = (value: number) => Math.round(value * 100) / 100;

export async function encoderCosts(
  sizes: Size[],
  stylize: (frame: Frame) => Promise<Frame>,
  options: { frames: number; quality: number; bitrate: number; fps: number },
): Promise<EncoderCost[]> {
  const results: EncoderCost[] = [];
  for (const size of sizes) {
    const source = await sourceFrames(size, options.frames, options.fps);
    const frames: Frame[] = [];
    for (const frame of source) frames.push(await stylize(frame));
    const label = `${size.width}x${size.height}`;

    // JPEG, one frame at a time as a live worker place would (the pool runs them side by side).
    let bytes = 0;
    const elu = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (const frame of frames) bytes += (await encodeJpeg(frame, options.quality)).length;
    const wall = performance.now() - started;
    const cpuUsed = process.cpuUsage(cpu);
    const busy = performance.eventLoopUtilization(elu);
    results.push({
      size: label,
      codec: 'jpeg',
      cpuMsPerFrame: round((cpuUsed.user + cpuUsed.system) / 1000 / frames.length),
      mainThreadMsPerFrame: round(busy.active / frames.length),
      wallMsPerFrame: round(wall / frames.length),
      kbPerFrame: round(bytes / 1024 / frames.length),
      mbpsAt30: round((bytes * 8 * 30) / frames.length / 1e6),
    });

    // H.264: one encoder, frames one after another, each awaited (as the live pump awaits it).
    const encoder = new H264FrameEncoder({
      ...size,
      fps: options.fps,
      bitrate: options.bitrate,
      keyframeInterval: options.fps,
    });
    await encoder.encode(frames[0]!); // ffmpeg's start and x264's set-up, not per frame
    const pid = encoder.processId!;
    const cpuBefore = processCpuMs(pid);
    bytes = 0;
    const elu264 = performance.eventLoopUtilization();
    const started264 = performance.now();
    for (const frame of frames.slice(1)) bytes += (await encoder.encode(frame)).data.length;
    const wall264 = performance.now() - started264;
    const busy264 = performance.eventLoopUtilization(elu264);
    const cpuAfter = processCpuMs(pid);
    await encoder.close();
    const count = frames.length - 1;
    results.push({
      size: label,
      codec: 'h264',
      cpuMsPerFrame: round((cpuAfter - cpuBefore) / count),
      mainThreadMsPerFrame: round(busy264.active / count),
      wallMsPerFrame: round(wall264 / count),
      kbPerFrame: round(bytes / 1024 / count),
      mbpsAt30: round((bytes * 8 * 30) / count / 1e6),
    });
  }
  return results;
}
