/**
 * An inference worker: owns ONNX Runtime sessions, because `session.run` blocks the thread that
 * calls it. Frames arrive and leave as transferred ArrayBuffers. A request that throws fails
 * alone; the worker keeps serving.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { StylecastError } from '../errors.js';
import { ortReason } from './probe-provider.js';
import { sessionOptions, type Provider } from './execution-provider.js';
import { checkGraph, styleEncoderContract, stylizerContract } from './graph-contract.js';
import { cropFrom, padInto, paddedSize } from './pad-frames.js';
import type { Precision } from './choose-precision.js';
import type {
  EncodeStyleRequest,
  StylizeRequest,
  TimeStylizersRequest,
  WorkerInit,
  WorkerReply,
  WorkerRequest,
} from './worker-protocol.js';

// Failures reach the user through our own messages; ONNX Runtime's log would repeat them.
ort.env.logLevel = 'fatal';
const init = workerData as WorkerInit;
const port = parentPort!;
const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(message, transfer);

interface Sessions {
  provider: Provider;
  /** The stylizer graphs opened: one, or both while `auto` times them. */
  stylizers: Partial<Record<Precision, ort.InferenceSession>>;
  /** The one that stylizes frames. */
  active: Precision;
  styleEncoder: ort.InferenceSession;
  preserveColor: ort.InferenceSession;
}

const invalid = (path: string, error: Error): Error =>
  Object.assign(new Error(`${path}: ${error.message.split('\n')[0] ?? ''}`), {
    code: 'MODEL_INVALID',
  });

async function openSessions(): Promise<Sessions> {
  const tried: string[] = [];
  const active: Precision = init.stylizers === 'int8' ? 'int8' : 'fp32';
  const activePath = init.stylizerPaths[active]!;
  for (const provider of init.providers) {
    const options = sessionOptions(provider, init.threads);
    let stylizer: ort.InferenceSession;
    try {
      stylizer = await ort.InferenceSession.create(activePath, options);
    } catch (error) {
      // A provider that is missing fails the same way for every graph; a broken graph does not.
      if (provider === 'cpu') throw invalid(activePath, error as Error);
      tried.push(`${provider}: ${ortReason((error as Error).message)}`);
      continue;
    }
    const stylizers: Sessions['stylizers'] = { [active]: stylizer };
    // The int8 variant is made for the CPU; on a GPU provider `auto` keeps the float graph.
    const int8Path = init.stylizerPaths.int8;
    if (init.stylizers === 'both' && provider === 'cpu' && int8Path) {
      stylizers.int8 = await ort.InferenceSession.create(int8Path, options).catch(
        (error: Error) => {
          throw invalid(int8Path, error);
        },
      );
    }
    const styleEncoder = await ort.InferenceSession.create(init.styleEncoderPath, options).catch(
      (error: Error) => {
        throw invalid(init.styleEncoderPath, error);
      },
    );
    const preserveColor = await ort.InferenceSession.create(init.preserveColorPath, options);
    const card = { codeSize: init.codeSize, levels: init.levels } as Parameters<
      typeof stylizerContract
    >[0];
    const problems = [
      ...Object.entries(stylizers).flatMap(([precision, session]) =>
        checkGraph(init.stylizerPaths[precision as Precision]!, session, stylizerContract(card)),
      ),
      ...checkGraph(init.styleEncoderPath, styleEncoder, styleEncoderContract(card)),
    ];
    if (problems.length > 0) throw new StylecastError('MODEL_INVALID', problems.join('; '));
    const opened = Object.keys(stylizers) as Precision[];
    port.postMessage({ type: 'ready', provider, tried, stylizers: opened } satisfies WorkerReply);
    return { provider, stylizers, active, styleEncoder, preserveColor };
  }
  throw new StylecastError('PROVIDER_UNAVAILABLE', tried.join('; '));
}

async function stylize(sessions: Sessions, request: StylizeRequest): Promise<ArrayBuffer[]> {
  const { width, height, frames } = request;
  const count = frames.length;
  const padded = paddedSize(width, height, init.sizeMultiple);
  const samePadding = padded.width === width && padded.height === height;
  const frameBytes = padded.width * padded.height * 3;

  let batch: Uint8Array;
  if (samePadding && count === 1) {
    batch = new Uint8Array(frames[0]!);
  } else {
    batch = new Uint8Array(frameBytes * count);
    frames.forEach((buffer, i) =>
      padInto(
        new Uint8Array(buffer),
        width,
        height,
        batch,
        i * frameBytes,
        padded.width,
        padded.height,
      ),
    );
  }
  const dims = [count, padded.height, padded.width, 3];
  const image = new ort.Tensor('uint8', batch, dims);
  const result = await sessions.stylizers[sessions.active]!.run({
    image,
    code: new ort.Tensor('float32', request.codes, [count, init.codeSize]),
    alpha: new ort.Tensor('float32', request.alphas, [count, init.levels]),
  });
  let stylized = result.stylized!.data as Uint8Array;

  if (request.preserveColor.some(Boolean)) {
    const kept = await sessions.preserveColor.run({
      content: image,
      stylized: new ort.Tensor('uint8', stylized, dims),
    });
    const preserved = kept.preserved!.data as Uint8Array;
    // Frames that asked for it take the preserved pixels; the others keep the stylized ones.
    const mixed = new Uint8Array(stylized);
    request.preserveColor.forEach((keep, i) => {
      if (keep) mixed.set(preserved.subarray(i * frameBytes, (i + 1) * frameBytes), i * frameBytes);
    });
    stylized = mixed;
  }

  const out: ArrayBuffer[] = [];
  const ownsBuffer =
    stylized.byteOffset === 0 && stylized.byteLength === stylized.buffer.byteLength;
  if (count === 1 && samePadding && ownsBuffer) return [stylized.buffer as ArrayBuffer]; // no copy
  for (let i = 0; i < count; i++) {
    const frame = samePadding
      ? stylized.slice(i * frameBytes, (i + 1) * frameBytes)
      : cropFrom(stylized, i * frameBytes, padded.width, width, height);
    out.push(frame.buffer as ArrayBuffer);
  }
  return out;
}

async function encodeStyle(sessions: Sessions, request: EncodeStyleRequest): Promise<Float32Array> {
  const style = new ort.Tensor('uint8', new Uint8Array(request.pixels), [
    1,
    request.height,
    request.width,
    3,
  ]);
  const result = await sessions.styleEncoder.run({ style });
  return new Float32Array(result.code!.data as Float32Array);
}

/**
 * Times both stylizer graphs on one generated frame: warm-up rounds, then timed rounds until the
 * budget is spent. Each round runs both, in alternating order, so that load from elsewhere on the
 * machine falls on each alike. The graphs' work does not depend on the pixels' values.
 */
async function timeStylizers(
  sessions: Sessions,
  request: TimeStylizersRequest,
): Promise<{ fp32Ms: number[]; int8Ms: number[] }> {
  const { fp32, int8 } = sessions.stylizers;
  if (!fp32 || !int8) throw new Error('timing needs both stylizer graphs open');
  const { width, height } = paddedSize(request.width, request.height, init.sizeMultiple);
  const pixels = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37) % 251);
  const feeds = {
    image: new ort.Tensor('uint8', pixels, [1, height, width, 3]),
    code: new ort.Tensor('float32', new Float32Array(init.codeSize).fill(0.5), [1, init.codeSize]),
    alpha: new ort.Tensor('float32', new Float32Array(init.levels).fill(1), [1, init.levels]),
  };
  const times = { fp32Ms: [] as number[], int8Ms: [] as number[] };
  const started = performance.now();
  for (let round = 0; round < request.warmup + request.rounds; round++) {
    const timed = round - request.warmup;
    if (timed >= request.minRounds && performance.now() - started > request.budgetMs) break;
    const order = round % 2 === 0 ? ([fp32, int8] as const) : ([int8, fp32] as const);
    for (const session of order) {
      const before = performance.now();
      await session.run(feeds);
      if (timed >= 0)
        (session === fp32 ? times.fp32Ms : times.int8Ms).push(performance.now() - before);
    }
  }
  return times;
}

/** Keeps the chosen stylizer graph and frees the other's memory. */
async function useStylizer(sessions: Sessions, precision: Precision): Promise<void> {
  if (!sessions.stylizers[precision]) throw new Error(`the ${precision} stylizer is not open`);
  sessions.active = precision;
  for (const [other, session] of Object.entries(sessions.stylizers)) {
    if (other === precision) continue;
    delete sessions.stylizers[other as Precision];
    await session.release();
  }
}

async function main(): Promise<void> {
  let sessions: Sessions;
  try {
    sessions = await openSessions();
  } catch (error) {
    const code =
      error instanceof StylecastError && error.code === 'PROVIDER_UNAVAILABLE'
        ? 'PROVIDER_UNAVAILABLE'
        : 'MODEL_INVALID';
    reply({ type: 'init-failed', code, message: (error as Error).message });
    return;
  }
  // Requests are served one at a time: a session already uses all the threads it was given.
  let chain = Promise.resolve();
  port.on('message', (request: WorkerRequest) => {
    chain = chain.then(async () => {
      try {
        if (request.type === 'stylize') {
          const frames = await stylize(sessions, request);
          reply({ type: 'stylized', id: request.id, frames }, frames);
        } else if (request.type === 'encode-style') {
          reply({ type: 'style-code', id: request.id, code: await encodeStyle(sessions, request) });
        } else if (request.type === 'time-stylizers') {
          reply({
            type: 'stylizer-times',
            id: request.id,
            ...(await timeStylizers(sessions, request)),
          });
        } else {
          await useStylizer(sessions, request.precision);
          reply({ type: 'using-stylizer', id: request.id, precision: request.precision });
        }
      } catch (error) {
        reply({
          type: 'failed',
          id: request.id,
          message: (error as Error).message.split('\n')[0] ?? 'unknown error',
        });
      }
    });
  });
}

void main();
