/**
 * An inference worker: owns ONNX Runtime sessions, because `session.run` blocks the thread that
 * calls it. Frames arrive and leave as transferred ArrayBuffers. A request that throws fails
 * alone; the worker keeps serving.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { sessionOptions, type Provider } from './execution-provider.js';
import { checkGraph, styleEncoderContract, stylizerContract } from './graph-contract.js';
import { cropFrom, padInto, paddedSize } from './pad-frames.js';
import type {
  EncodeStyleRequest,
  StylizeRequest,
  WorkerInit,
  WorkerReply,
} from './worker-protocol.js';

// Failures reach the user through our own messages; ONNX Runtime's log would repeat them.
ort.env.logLevel = 'fatal';
const init = workerData as WorkerInit;
const port = parentPort!;
const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(message, transfer);

interface Sessions {
  provider: Provider;
  stylizer: ort.InferenceSession;
  styleEncoder: ort.InferenceSession;
  preserveColor: ort.InferenceSession;
}

async function openSessions(): Promise<Sessions> {
  const tried: string[] = [];
  for (const provider of init.providers) {
    const options = sessionOptions(provider, init.threads);
    let stylizer: ort.InferenceSession;
    try {
      stylizer = await ort.InferenceSession.create(init.stylizerPath, options);
    } catch (error) {
      const message = (error as Error).message.split('\n')[0] ?? '';
      // A provider that is missing fails the same way for every graph; a broken graph does not.
      if (provider === 'cpu')
        throw Object.assign(new Error(`${init.stylizerPath}: ${message}`), {
          code: 'MODEL_INVALID',
        });
      tried.push(`${provider}: ${message}`);
      continue;
    }
    const styleEncoder = await ort.InferenceSession.create(init.styleEncoderPath, options).catch(
      (error: Error) => {
        throw Object.assign(
          new Error(`${init.styleEncoderPath}: ${error.message.split('\n')[0]}`),
          { code: 'MODEL_INVALID' },
        );
      },
    );
    const preserveColor = await ort.InferenceSession.create(init.preserveColorPath, options);
    const card = { codeSize: init.codeSize, levels: init.levels } as Parameters<
      typeof stylizerContract
    >[0];
    const problems = [
      ...checkGraph(init.stylizerPath, stylizer, stylizerContract(card)),
      ...checkGraph(init.styleEncoderPath, styleEncoder, styleEncoderContract(card)),
    ];
    if (problems.length > 0)
      throw Object.assign(new Error(problems.join('; ')), { code: 'MODEL_INVALID' });
    port.postMessage({ type: 'ready', provider, tried } satisfies WorkerReply);
    return { provider, stylizer, styleEncoder, preserveColor };
  }
  throw Object.assign(new Error(tried.join('; ')), { code: 'PROVIDER_UNAVAILABLE' });
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
  const result = await sessions.stylizer.run({
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

async function main(): Promise<void> {
  let sessions: Sessions;
  try {
    sessions = await openSessions();
  } catch (error) {
    const code =
      (error as { code?: string }).code === 'PROVIDER_UNAVAILABLE'
        ? 'PROVIDER_UNAVAILABLE'
        : 'MODEL_INVALID';
    reply({ type: 'init-failed', code, message: (error as Error).message });
    return;
  }
  // Requests are served one at a time: a session already uses all the threads it was given.
  let chain = Promise.resolve();
  port.on('message', (request: StylizeRequest | EncodeStyleRequest) => {
    chain = chain.then(async () => {
      try {
        if (request.type === 'stylize') {
          const frames = await stylize(sessions, request);
          reply({ type: 'stylized', id: request.id, frames }, frames);
        } else {
          reply({ type: 'style-code', id: request.id, code: await encodeStyle(sessions, request) });
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
