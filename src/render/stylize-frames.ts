/**
 * The lossless core of a file render: every frame from `frames` is stylized exactly once and
 * handed to `write` in order. A bounded p-queue feeds the stylizer; a frame budget pauses
 * the decoder while the queue, the workers or the sink are full.
 */
import PQueue from 'p-queue';
import type { Stylizer } from '../stylizer/stylizer.js';
import type { Frame, StyleForFrame, StyleSettings } from '../types.js';
import { FrameBudget } from './frame-budget.js';
import { InOrder } from './in-order.js';
import { ProgressWatchdog } from '../progress-watchdog.js';

export interface StylizeFramesOptions {
  frames: AsyncIterable<Frame>;
  stylizer: Stylizer;
  styleFor: StyleForFrame;
  write: (frame: Frame) => Promise<void>;
  /** Frames per inference call. */
  batchSize?: number;
  /** The index of the first frame (a frame range starts mid-video); default 0. */
  firstIndex?: number;
  signal: AbortSignal;
  /** Fails a batch that an inference worker holds for longer than its limit. */
  watchdog?: ProgressWatchdog;
}

export async function stylizeFrames(options: StylizeFramesOptions): Promise<number> {
  const { stylizer, signal } = options;
  const watchdog = options.watchdog ?? ProgressWatchdog.off;
  const batchSize = options.batchSize ?? 1;
  const concurrency = stylizer.concurrency;
  // Enough frames to keep every worker busy with one batch queued behind it, plus the sink's.
  const budget = new FrameBudget(concurrency * batchSize * 2 + 4);
  const queue = new PQueue({ concurrency });
  let failure: unknown = null;
  const fail = (error: unknown): void => {
    failure ??= error;
    budget.release();
  };
  const inOrder = new InOrder(async (frame) => {
    try {
      await options.write(frame);
    } catch (error) {
      fail(error);
      throw error;
    } finally {
      budget.give();
    }
  }, options.firstIndex);

  let batch: Frame[] = [];
  let settings: StyleSettings[] = [];
  const submit = async (): Promise<void> => {
    const frames = batch;
    const chosen = settings;
    batch = [];
    settings = [];
    await queue.onSizeLessThan(concurrency);
    void queue
      .add(() => {
        signal.throwIfAborted();
        const first = frames[0]!.index;
        return watchdog.watch(
          () => `an inference worker (frames ${first} to ${first + frames.length - 1})`,
          stylizer.stylize(frames, chosen),
        );
      })
      .then((done) => done?.forEach((frame) => inOrder.put(frame)))
      .catch(fail);
  };

  let count = 0;
  const iterator = options.frames[Symbol.asyncIterator]();
  try {
    for (;;) {
      await budget.take(signal);
      if (failure) break;
      const next = await iterator.next();
      if (next.done) {
        budget.give();
        break;
      }
      const frame = next.value;
      count += 1;
      const chosen = options.styleFor(frame);
      if (chosen === null) {
        inOrder.put(frame); // unstyled: the original pixels, in their place in the order
        continue;
      }
      batch.push(frame);
      settings.push(chosen);
      if (batch.length === batchSize) await submit();
    }
    if (batch.length > 0 && !failure) await submit();
    await queue.onIdle();
    await inOrder.drain();
    if (failure) throw failure;
    signal.throwIfAborted();
    return count;
  } finally {
    await iterator.return?.();
    // On failure too: batches already handed to workers finish before anyone closes the stylizer.
    await queue.onIdle();
  }
}
