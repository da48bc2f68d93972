/**
 * The one place that spawns ffmpeg. Every run gets `-hide_banner -nostdin -loglevel error`
 * (unless the caller asks for more log), keeps the tail of stderr, and fails with the exit code,
 * what it was doing, and that tail — never an opaque `write EPIPE`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { Duplex, Readable, Writable } from 'node:stream';
import { throwIfAborted } from './abort.js';
import { StylecastError } from './errors.js';

const STDERR_TAIL_BYTES = 4096;
const KILL_GRACE_MS = 3000;

let cachedPath: string | undefined;

/**
 * A file path as ffmpeg must be given it: absolute, so a name like `clip:1.mp4` or `pipe:0.mp4`
 * is read as the file it is, never as a protocol (`pipe:0` would read stdin).
 */
export function ffmpegFile(path: string): string {
  return resolve(path);
}

/** `FFMPEG_PATH` when set, else the binary bundled by `@ffmpeg-installer/ffmpeg`. */
export function ffmpegPath(): string {
  if (process.env.FFMPEG_PATH) return process.env.FFMPEG_PATH;
  if (!cachedPath) {
    const require = createRequire(import.meta.url);
    cachedPath = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  }
  return cachedPath;
}

export interface FfmpegOptions {
  /** What this run is for, used in error messages ("decoding input.mp4"). */
  task: string;
  signal?: AbortSignal;
  /** Pipe stdin (raw frames in). */
  stdin?: boolean;
  /** Pipe stdout (raw frames out). */
  stdout?: boolean;
  /** A fourth pipe, fd 3 (`pipe:3`): a second stream beside the frames (audio), in or out. */
  fd3?: boolean;
  /** ffmpeg's log level; `error` unless a caller parses more (probe reads `info`). */
  logLevel?: 'error' | 'info' | 'warning';
  /** Called with every stderr line, for callers that parse ffmpeg's log. */
  onStderrLine?: (line: string) => void;
  /** Where in the stream this run is, for error messages (e.g. the frame being piped). */
  progress?: () => string | undefined;
}

export interface FfmpegProcess {
  child: ChildProcess;
  stdin: Writable | null;
  stdout: Readable | null;
  /** fd 3, when asked for: ffmpeg's `pipe:3`, read from or written to. */
  fd3: Duplex | null;
  /** Settles when ffmpeg exits: resolves on exit code 0, rejects with a readable error otherwise. */
  done: Promise<void>;
  /** The last few KB of stderr. */
  stderrTail(): string;
  /** Stops ffmpeg (TERM, then KILL after a grace period) and waits for it to exit. */
  stop(): Promise<void>;
}

export function spawnFfmpeg(args: readonly string[], options: FfmpegOptions): FfmpegProcess {
  const fullArgs = ['-hide_banner', '-nostdin', '-loglevel', options.logLevel ?? 'error', ...args];
  const child = spawn(ffmpegPath(), fullArgs, {
    stdio: [
      options.stdin ? 'pipe' : 'ignore',
      options.stdout ? 'pipe' : 'ignore',
      'pipe',
      ...(options.fd3 ? (['pipe'] as const) : []),
    ],
  });
  const fd3 = options.fd3 ? (child.stdio[3] as Duplex) : null;
  let tail = '';
  let partialLine = '';
  let stopping = false;
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    tail = (tail + text).slice(-STDERR_TAIL_BYTES);
    if (!options.onStderrLine) return;
    const lines = (partialLine + text).split(/\r\n|\n|\r/);
    partialLine = lines.pop() ?? '';
    for (const line of lines) options.onStderrLine(line);
  });
  // A child that exits early closes its pipes; the error surfaces through `done` with stderr.
  child.stdin?.on('error', () => {});
  child.stdout?.on('error', () => {});
  fd3?.on('error', () => {});

  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code, signal) => resolve(signal ? null : code));
  });

  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (error) =>
      reject(
        new StylecastError(
          'FFMPEG_FAILED',
          `Could not start ffmpeg at ${ffmpegPath()} while ${options.task}: ${error.message}`,
          {
            cause: error,
          },
        ),
      ),
    );
    void exited.then((code) => {
      if (partialLine && options.onStderrLine) options.onStderrLine(partialLine);
      if (code === 0) return resolve();
      if (stopping || options.signal?.aborted) {
        return reject(new StylecastError('ABORTED', `Stopped while ${options.task}`));
      }
      const where = options.progress?.();
      const stderr = tail.trim().split('\n').slice(-3).join(' | ');
      reject(
        new StylecastError(
          'FFMPEG_FAILED',
          `ffmpeg quit with ${code === null ? 'a signal' : `code ${code}`} while ${options.task}` +
            (where ? ` (at ${where})` : '') +
            (stderr ? `: ${stderr}` : ''),
        ),
      );
    });
  });
  done.catch(() => {}); // callers await `done`; this keeps an unobserved failure from crashing

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    stopping = true;
    child.kill('SIGTERM');
    // A stopped (SIGSTOP) ffmpeg takes its TERM only once it runs again; Windows has no SIGCONT.
    if (process.platform !== 'win32') child.kill('SIGCONT');
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  const onAbort = (): void => void stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  void exited.then(() => options.signal?.removeEventListener('abort', onAbort));
  if (options.signal?.aborted) onAbort();

  return {
    child,
    stdin: child.stdin,
    stdout: child.stdout,
    fd3,
    done,
    stderrTail: () => tail,
    stop,
  };
}

/**
 * Runs ffmpeg to completion and returns its whole stderr (for probing); never rejects on exit
 * code. An abort stops ffmpeg and rejects with an `ABORTED` error.
 */
export async function ffmpegLog(
  args: readonly string[],
  task: string,
  signal?: AbortSignal,
): Promise<{ code: number | null; stderr: string }> {
  throwIfAborted(signal, task);
  const lines: string[] = [];
  const run = spawnFfmpeg(args, {
    task,
    signal,
    logLevel: 'info',
    onStderrLine: (line) => lines.push(line),
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    run.child.once('error', reject);
    run.child.once('close', (exitCode) => resolve(exitCode));
  }).catch((error: Error) => {
    throw new StylecastError(
      'FFMPEG_FAILED',
      `Could not start ffmpeg at ${ffmpegPath()} while ${task}: ${error.message}`,
    );
  });
  throwIfAborted(signal, task);
  return { code, stderr: lines.join('\n') };
}

/**
 * Writes one chunk to a child's stdin and waits for backpressure to clear: `drain`, `close` or
 * `error`, whichever comes first. Returns false when the stream closed (the child exited).
 */
export function writeWithBackpressure(stream: Writable, chunk: Uint8Array): Promise<boolean> {
  if (stream.destroyed || stream.writableEnded) return Promise.resolve(false);
  if (stream.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (ok: boolean) => () => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      stream.off('error', onError);
      resolve(ok);
    };
    const onDrain = finish(true);
    const onClose = finish(false);
    const onError = finish(false);
    stream.once('drain', onDrain);
    stream.once('close', onClose);
    stream.once('error', onError);
  });
}

/** ffmpeg's input options for the pipeline's frames: packed RGB, 3 bytes a pixel, of this size. */
export function rawRgbInput(width: number, height: number): string[] {
  return ['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`];
}

/** ffmpeg's frame rate for a number: NTSC rates as exact fractions (29.97 → 30000/1001). */
export function fpsArgument(fps: number): string {
  const ntsc = Math.round((fps * 1001) / 1000);
  if (Math.abs(fps - (ntsc * 1000) / 1001) < 0.005 && Math.abs(fps - ntsc) > 0.005)
    return `${ntsc * 1000}/1001`;
  return String(Math.round(fps * 1000) / 1000);
}
