/**
 * A pool of inference workers. Each worker owns its sessions; a batch goes to an idle worker,
 * or waits for one. A worker that dies fails only the batch it held and is replaced.
 */
import { keepOrtOffline } from './ort-offline.js';
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SIZE_720P, type Size } from '../decode/working-size.js';
import { abortError, throwIfAborted } from '../abort.js';
import { StylecastError } from '../errors.js';
import type { Frame, StyleSettings } from '../types.js';
import {
  chooseByMeasuring,
  planStylizers,
  TIMING,
  type Precision,
  type PrecisionChoice,
  type PrecisionRequest,
  type StylizerPlan,
  type StylizerTimes,
} from './choose-precision.js';
import {
  candidateProviders,
  INSTALL_HINT,
  type Device,
  type Provider,
} from './execution-provider.js';
import type { ModelFiles } from './load-model.js';
import { probeProvider } from './probe-provider.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './worker-protocol.js';

const PRESERVE_COLOR_GRAPH = fileURLToPath(
  new URL('../../models/common/preserve_color.onnx', import.meta.url),
);
const MAX_RESTARTS = 3;
/** What `auto` times at when the caller does not know the frame size yet. */
const DEFAULT_FRAME_SIZE = SIZE_720P;
/** How long `close` waits for running batches before it terminates the workers anyway. */
const CLOSE_WAIT_MS = 10_000;

/**
 * How the pool runs the model: the option table's `device`, `precision`, `workers` and `threads`
 * (README.md). They are taken as given here: `openStylizer` checks them by the table's rules.
 */
export interface PoolOptions {
  /**
   * The execution provider: `auto` tries TensorRT, CUDA, WebGPU, then the CPU, and uses the first
   * that loads; a named one that cannot load is an error saying what is missing.
   * @default 'auto'
   */
  device?: Device;
  /**
   * Which stylizer graph runs: `fp32`, the model's `int8` variant (CPU only), or `auto`: int8
   * where it measured faster on this CPU (timed once, remembered).
   * @default 'auto'
   */
  precision?: PrecisionRequest;
  /**
   * Inference worker threads, 1 to 64.
   * @default one per core on the CPU (fewer with `threads`), one on a GPU
   */
  workers?: number;
  /**
   * ONNX Runtime threads per worker, 1 to 64.
   * @default 1
   */
  threads?: number;
  /** The frame size the pool will mostly see: where `auto` times fp32 against int8 (1280×720). */
  frameSize?: Size;
  /**
   * Stops opening: `open` rejects with an `ABORTED` error once the workers reach a point where
   * they can be stopped safely (a worker is never terminated inside ONNX Runtime's native code).
   */
  signal?: AbortSignal;
}

/**
 * Defaults, from `npm run bench` on a 2-core machine with the CPU provider: one session per core,
 * each single-threaded, gave the most frames per second — ONNX Runtime's intra-op threads spend
 * time synchronising on the small per-layer work of a real-time model, two independent runs do
 * not. A GPU provider gets one worker: the device is the bottleneck, not the threads feeding it.
 */
export function defaultPoolShape(
  provider: Provider | 'auto',
  cores = availableParallelism(),
): { workers: number; threads: number } {
  if (provider === 'cpu' || provider === 'auto') return { workers: Math.max(1, cores), threads: 1 };
  return { workers: 1, threads: 1 };
}

interface Pending {
  resolve: (reply: WorkerReply) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: boolean;
  pending: Map<number, Pending>;
  /** What the worker threw before it stopped, for the message. */
  crash?: Error;
}

interface Waiter {
  resolve: (slot: Slot) => void;
  reject: (error: Error) => void;
}

function workerUrl(): URL {
  return new URL(`./infer-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);
}

/** Under the TypeScript sources (tests, tsx) the worker is a .ts file: load tsx in it first. */
function spawnWorker(url: URL, init: WorkerInit): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData: init });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(boot, { eval: true, workerData: init });
}

export class InferencePool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Waiter[] = [];
  private nextId = 0;
  private restarts = 0;
  private closed = false;
  private fatal: StylecastError | null = null;
  private readonly inFlight = new Set<Promise<WorkerReply>>();
  private chosen: PrecisionChoice = { precision: 'fp32', reason: 'only' };

  private constructor(
    readonly model: ModelFiles,
    readonly provider: Provider,
    private init: WorkerInit,
  ) {}

  static async open(model: ModelFiles, given: PoolOptions = {}): Promise<InferencePool> {
    keepOrtOffline();
    const options = {
      ...given,
      device: given.device ?? 'auto',
      precision: given.precision ?? 'auto',
    };
    const { device, signal } = options;
    const task = `opening model ${model.card.name}`;
    throwIfAborted(signal, task);
    // Refuses an impossible `--precision` before any worker starts.
    const plan = planStylizers(options.precision, model, device);
    const shapeFor = defaultPoolShape(device === 'auto' ? 'auto' : device);
    const init: WorkerInit = {
      styleEncoderPath: model.styleEncoderPath,
      stylizerPaths: { fp32: model.stylizerPath, int8: model.stylizerInt8Path },
      stylizers: plan.open,
      preserveColorPath: PRESERVE_COLOR_GRAPH,
      providers: plan.cpuOnly
        ? ['cpu']
        : await loadableProviders(candidateProviders(device), signal),
      threads: options.threads ?? shapeFor.threads,
      codeSize: model.card.codeSize,
      levels: model.card.levels,
      sizeMultiple: model.card.sizeMultiple,
    };
    throwIfAborted(signal, task);
    // The first worker decides the provider (and, for `auto`, times the precisions); the rest
    // open with that provider and that stylizer directly.
    const first = await startWorker(init);
    const pool = new InferencePool(model, first.provider, { ...init, providers: [first.provider] });
    pool.adopt(first.worker);
    try {
      throwIfAborted(signal, task);
      pool.chosen = await pool.settlePrecision(plan, first.stylizers, options.frameSize);
      // Given threads but no worker count, split the default's cores among workers of that many.
      const { workers: defaultWorkers } = defaultPoolShape(first.provider);
      const count = options.workers ?? Math.max(1, Math.floor(defaultWorkers / init.threads));
      throwIfAborted(signal, task);
      // Every worker that started joins the pool, so that one failing to start leaks none.
      const rest = await Promise.allSettled(
        Array.from({ length: count - 1 }, () => startWorker(pool.init)),
      );
      for (const started of rest)
        if (started.status === 'fulfilled') pool.adopt(started.value.worker);
      const failed = rest.find((started) => started.status === 'rejected');
      if (failed) throw failed.reason;
      throwIfAborted(signal, task);
    } catch (error) {
      await pool.close();
      throw signal?.aborted ? abortError(signal, task) : error;
    }
    return pool;
  }

  /** Which stylizer graph runs, and how that was decided. */
  get precision(): PrecisionChoice {
    return this.chosen;
  }

  /** The stylizer graph the workers run. */
  get stylizerPath(): string {
    return this.init.stylizerPaths[this.chosen.precision]!;
  }

  /** Closed: it runs nothing more (`close()` was called). */
  get isClosed(): boolean {
    return this.closed;
  }

  get workerCount(): number {
    return this.slots.length;
  }

  get threadsPerWorker(): number {
    return this.init.threads;
  }

  /** Stylizes frames of one size as one batch; resolves with new frames (inputs are consumed). */
  async stylize(frames: Frame[], settings: StyleSettings[]): Promise<Frame[]> {
    const first = frames[0];
    if (!first) return [];
    const { codeSize, levels } = this.model.card;
    const codes = new Float32Array(frames.length * codeSize);
    const alphas = new Float32Array(frames.length * levels);
    settings.forEach((s, i) => {
      codes.set(s.code, i * codeSize);
      alphas.set(s.alpha, i * levels);
    });
    const buffers = frames.map((f) =>
      f.data.byteOffset === 0 && f.data.byteLength === f.data.buffer.byteLength
        ? (f.data.buffer as ArrayBuffer)
        : f.data.slice().buffer,
    );
    const reply = await this.request(
      (id) => ({
        type: 'stylize',
        id,
        width: first.width,
        height: first.height,
        frames: buffers,
        codes,
        alphas,
        preserveColor: settings.map((s) => s.preserveColor),
      }),
      buffers,
    );
    if (reply.type !== 'stylized') throw new Error('unexpected reply');
    return reply.frames.map((buffer, i) => ({ ...frames[i]!, data: new Uint8Array(buffer) }));
  }

  /** Runs the style encoder on an RGB image already resized as the model's `styleSize` and `styleFit` say. */
  async encodeStyle(pixels: Uint8Array, width: number, height: number): Promise<Float32Array> {
    const copy = pixels.slice().buffer;
    const reply = await this.request(
      (id) => ({ type: 'encode-style', id, width, height, pixels: copy }),
      [copy],
    );
    if (reply.type !== 'style-code') throw new Error('unexpected reply');
    return reply.code;
  }

  /** Times fp32 against int8 side by side on the first worker, the only one while `open` runs. */
  private async timeStylizers(size: Size): Promise<StylizerTimes> {
    const reply = await this.request(
      (id) => ({ type: 'time-stylizers', id, ...size, ...TIMING }),
      [],
    );
    if (reply.type !== 'stylizer-times') throw new Error('unexpected reply');
    return { fp32Ms: reply.fp32Ms, int8Ms: reply.int8Ms };
  }

  /** Decides the precision once the first worker says what it opened; keeps only that graph. */
  private async settlePrecision(
    plan: StylizerPlan,
    opened: Precision[],
    frameSize = DEFAULT_FRAME_SIZE,
  ): Promise<PrecisionChoice> {
    if (plan.open !== 'both') return { precision: plan.open, reason: plan.reason };
    const choice = opened.includes('int8')
      ? await chooseByMeasuring({
          model: this.model,
          size: frameSize,
          threads: this.init.threads,
          time: (size) => this.timeStylizers(size),
        })
      : ({ precision: 'fp32', reason: 'provider' } as const);
    const reply = await this.request(
      (id) => ({ type: 'use-stylizer', id, precision: choice.precision }),
      [],
    );
    if (reply.type !== 'using-stylizer') throw new Error('unexpected reply');
    this.init = { ...this.init, stylizers: choice.precision };
    return choice;
  }

  /**
   * Stops the workers once the batches they are running finish (capped): terminating a thread
   * while it is inside ONNX Runtime's native code can take the whole process down.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.failWaiting(new StylecastError('ABORTED', 'The inference pool is closed'));
    const running = [...this.inFlight];
    let timer: NodeJS.Timeout | undefined;
    const cap = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)));
    await Promise.race([Promise.allSettled(running), cap]);
    clearTimeout(timer);
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
    this.slots.length = 0;
  }

  private adopt(worker: Worker): void {
    const slot: Slot = { worker, busy: false, pending: new Map() };
    worker.on('message', (reply: WorkerReply) => {
      if (!('id' in reply)) return;
      const pending = slot.pending.get(reply.id);
      slot.pending.delete(reply.id);
      if (reply.type === 'failed') {
        pending?.reject(
          new StylecastError('INFERENCE_FAILED', `Inference failed: ${reply.message}`),
        );
      } else {
        pending?.resolve(reply);
      }
    });
    worker.on('error', (error) => (slot.crash = error)); // reported through 'exit' below, once
    worker.once('exit', (code) => this.replace(slot, code));
    this.slots.push(slot);
    this.release(slot);
  }

  private replace(slot: Slot, code: number): void {
    this.slots.splice(this.slots.indexOf(slot), 1);
    const why = slot.crash ? `: ${slot.crash.message}` : '';
    const error = new StylecastError(
      'INFERENCE_FAILED',
      `An inference worker stopped (exit code ${code}) while running a batch${why}`,
      { cause: slot.crash },
    );
    for (const pending of slot.pending.values()) pending.reject(error);
    if (this.closed) return;
    this.restarts += 1;
    if (this.restarts > MAX_RESTARTS) {
      this.fail(
        new StylecastError(
          'INFERENCE_FAILED',
          `Inference workers keep stopping (${this.restarts} restarts; last${why || `: exit code ${code}`}); giving up`,
          { cause: slot.crash },
        ),
      );
      return;
    }
    startWorker(this.init).then(
      ({ worker }) => (this.closed ? void worker.terminate() : this.adopt(worker)),
      (startError: Error) =>
        this.fail(
          startError instanceof StylecastError
            ? startError
            : new StylecastError('INFERENCE_FAILED', startError.message, { cause: startError }),
        ),
    );
  }

  /** The pool cannot run anything more: every call waiting for a worker, and every later one, fails. */
  private fail(error: StylecastError): void {
    this.fatal ??= error;
    this.failWaiting(this.fatal);
  }

  private failWaiting(error: Error): void {
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }

  private release(slot: Slot): void {
    slot.busy = false;
    const next = this.waiting.shift();
    if (next) {
      slot.busy = true;
      next.resolve(slot);
    }
  }

  private async acquire(): Promise<Slot> {
    if (this.fatal) throw this.fatal;
    const idle = this.slots.find((slot) => !slot.busy);
    if (idle) {
      idle.busy = true;
      return idle;
    }
    return new Promise<Slot>((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Counted as in flight from the call on, so `close` never stops a worker about to be sent work. */
  private request(
    build: (id: number) => WorkerRequest,
    transfer: ArrayBuffer[],
  ): Promise<WorkerReply> {
    if (this.closed)
      return Promise.reject(new StylecastError('ABORTED', 'The inference pool is closed'));
    const reply = this.send(build, transfer);
    this.inFlight.add(reply);
    const forget = (): boolean => this.inFlight.delete(reply);
    reply.then(forget, forget);
    return reply;
  }

  private async send(
    build: (id: number) => WorkerRequest,
    transfer: ArrayBuffer[],
  ): Promise<WorkerReply> {
    const slot = await this.acquire();
    const id = this.nextId++;
    try {
      return await new Promise<WorkerReply>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        slot.worker.postMessage(build(id), transfer);
      });
    } finally {
      if (this.slots.includes(slot)) this.release(slot);
    }
  }
}

/**
 * The candidates that load, GPU ones tried first in a child process (probe-provider.ts) so that
 * their runtimes' warnings never reach the user; an explicit one that does not load is the error.
 */
async function loadableProviders(
  candidates: readonly Provider[],
  signal?: AbortSignal,
): Promise<Provider[]> {
  const loadable: Provider[] = [];
  for (const provider of candidates) {
    if (provider === 'cpu') {
      loadable.push(provider);
      continue;
    }
    const probe = await probeProvider(provider, signal);
    if (signal?.aborted) return loadable; // the caller says so
    if (probe.loads) loadable.push(provider);
    else if (candidates.length === 1) {
      throw new StylecastError(
        'PROVIDER_UNAVAILABLE',
        `No execution provider loaded (${provider}: ${probe.reason}) — ${INSTALL_HINT[provider]}`,
      );
    }
  }
  return loadable;
}

function startWorker(
  init: WorkerInit,
): Promise<{ worker: Worker; provider: Provider; stylizers: Precision[] }> {
  const worker = spawnWorker(workerUrl(), init);
  return new Promise((resolve, reject) => {
    const onExit = (code: number): void =>
      reject(
        new StylecastError(
          'INFERENCE_FAILED',
          `An inference worker stopped while starting (exit code ${code})`,
        ),
      );
    worker.once('exit', onExit);
    worker.once('error', (error) =>
      reject(
        new StylecastError(
          'INFERENCE_FAILED',
          `An inference worker failed to start: ${error.message}`,
        ),
      ),
    );
    worker.once('message', (reply: WorkerReply) => {
      worker.off('exit', onExit);
      if (reply.type === 'ready')
        return resolve({ worker, provider: reply.provider, stylizers: reply.stylizers });
      void worker.terminate();
      if (reply.type === 'init-failed' && reply.code === 'PROVIDER_UNAVAILABLE') {
        const providers = init.providers;
        const hint = providers.length === 1 ? ` — ${INSTALL_HINT[providers[0]!]}` : '';
        return reject(
          new StylecastError(
            'PROVIDER_UNAVAILABLE',
            `No execution provider loaded (${reply.message})${hint}`,
          ),
        );
      }
      reject(
        new StylecastError(
          'MODEL_INVALID',
          reply.type === 'init-failed' ? reply.message : 'worker did not start',
        ),
      );
    });
  });
}

/**
 * Refuses anything but an open pool where a library call needs one (`name` says where it goes):
 * a missing or closed pool is a StylecastError, never a TypeError from deep inside.
 */
export function assertOpenPool(value: unknown, name: string): asserts value is InferencePool {
  if (!(value instanceof InferencePool))
    throw new StylecastError(
      'BAD_OPTION',
      `Expected \`${name}\` to be an open inference pool (openStylizer's \`pool\`), got \`${value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value))}\``,
    );
  if (value.isClosed) throw new StylecastError('ABORTED', 'The inference pool is closed');
}
