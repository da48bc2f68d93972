/**
 * The coordinator of one farm render, in stages: `stage` copies the input and style images into
 * the farm folder (named by content hash); `plan` cuts exact frame ranges and keys each chunk by
 * its input, settings and range, so a restarted render reuses chunks already done and renders of
 * the same settings share them; `enqueue` listens to the chunk queue, then adds the chunks as a
 * BullMQ flow (chunk jobs as children of one assemble job); `follow` hears of them through the
 * queue's events (see `chunk-follower.ts`); `join` joins the whole chunks (see `chunk-record.ts`).
 * Whatever the outcome, `letGo` lets go of what the render held: only the last render holding a
 * file (see `farm-holds.ts`) removes it.
 */
import { rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { keyframeTimes, seeksToKeyframes } from '../decode/keyframes.js';
import { refuseCutShort } from '../decode/promised-frames.js';
import { DEFAULT_PRESET } from '../encode/output-formats.js';
import { StylecastError } from '../errors.js';
import type { RenderPlan } from '../render/render-video.js';
import { STYLECAST_VERSION, type ChunkJob, type FarmStyle } from './chunk-job.js';
import { ChunkFollower, type Followed } from './chunk-follower.js';
import { removeChunk, removeUnfinished, wholeChunk } from './chunk-record.js';
import { hashText, modelDigest } from './content-hash.js';
import { DEFAULT_FARM_WAIT_MS } from './farm-connection.js';
import { renderResource } from './farm-holds.js';
import { chunkPath } from './farm-paths.js';
import { FarmQueue } from './farm-queue.js';
import type { FarmRenderOptions, FarmRenderResult } from './farm-render.js';
import { farmStyle } from './farm-style.js';
import { joinChunks } from './join-chunks.js';
import { placeInFarm } from './place-in-farm.js';
import { PlannedChunk } from './planned-chunk.js';
import { planChunks } from './plan-chunks.js';

/**
 * Where the render is. It ends `done`, `failed` (its finished chunks stay for a rerun) or
 * `useless` (the input is cut short: no rerun would use its chunks, which go).
 */
type CoordinatorState =
  'staging' | 'planning' | 'enqueueing' | 'following' | 'joining' | 'done' | 'failed' | 'useless';

/** What `stage` put in the farm folder and learnt of the input. */
interface Staged {
  input: string;
  style: FarmStyle;
  modelDigest: string;
  /** Seconds from the file's start; none where the file does not seek exactly to them. */
  keyframes: number[];
}

/** How long a stopped or failed render waits for workers to drop its chunks, then leaves. */
const CANCEL_WAIT_MS = 15_000;
const secondsBetween = (from: number, to: number): number => Math.round(to - from) / 1000;

export class FarmCoordinator {
  private state: CoordinatorState = 'staging';
  private readonly queue: FarmQueue;
  private readonly attempts: number;
  /** What this render holds (files, its chunks): let go of, whatever the outcome, at the end. */
  private readonly held: string[] = [];
  private renderKey = '';
  private chunks: PlannedChunk[] = [];

  /** `started`: when the render began (`performance.now()`), its checks before this included. */
  constructor(
    private readonly render: RenderPlan,
    private readonly options: FarmRenderOptions,
    private readonly started = performance.now(),
  ) {
    this.attempts = options.attempts ?? 3;
    this.queue = new FarmQueue({
      farm: options.farm,
      farmDir: options.farmDir,
      waitMs: options.waitMs ?? DEFAULT_FARM_WAIT_MS,
      caFile: options.caFile,
      attempts: this.attempts,
    });
  }

  /** Runs the render to its end: resolves once the output is in place. */
  async run(): Promise<FarmRenderResult> {
    try {
      this.plan(await this.stage());
      await this.holdChunks();
      const reusedChunks = this.chunks.filter((chunk) => chunk.record).length;
      const follower = await this.enqueue();
      const enqueued = performance.now();
      const followed = await this.follow(follower);
      const rendered = performance.now();
      const frames = await this.join();
      this.state = 'done';
      const joined = performance.now();
      const seconds = (joined - this.started) / 1000;
      return {
        frames,
        seconds,
        fps: frames / seconds,
        ...this.render.frameSize,
        output: this.render.outputFile.path,
        chunks: this.chunks.length,
        reusedChunks,
        workers: [...followed.workers].sort(),
        retries: followed.retries,
        phaseSeconds: {
          prepare: secondsBetween(this.started, enqueued),
          chunks: secondsBetween(enqueued, rendered),
          join: secondsBetween(rendered, joined),
        },
      };
    } catch (error) {
      if (this.state !== 'useless') this.state = 'failed';
      if (this.options.signal?.aborted)
        throw new StylecastError(
          'ABORTED',
          `Stopped; no output was written to ${this.render.outputFile.path}`,
        );
      throw error;
    } finally {
      await this.letGo();
      await this.queue.close();
    }
  }

  /** Holds `resource` (a file in the farm folder, or the render's chunks) until `letGo`. */
  private readonly hold = async (resource: string): Promise<void> => {
    await this.queue.hold([resource]);
    this.held.push(resource);
  };

  /** Copies the input and style images into the farm folder, and reads the input's keyframes. */
  private async stage(): Promise<Staged> {
    this.state = 'staging';
    const { render, options } = this;
    const { farmDir } = options;
    // Should one part fail, the keyframe reader stops too.
    const preparing = new AbortController();
    const signal = options.signal
      ? AbortSignal.any([options.signal, preparing.signal])
      : preparing.signal;
    const [input, style, digest, keyframes] = await Promise.all([
      placeInFarm(farmDir, 'inputs', render.input, this.hold),
      farmStyle(farmDir, options, this.hold),
      modelDigest(options.model),
      // Chunks are cut at keyframes where the file seeks to them exactly: none decodes a GOP it
      // would throw away.
      seeksToKeyframes(render.info.format)
        ? keyframeTimes(render.input, render.info.startMs, signal)
        : Promise.resolve([]),
    ]).catch((error: unknown) => {
      preparing.abort();
      throw error;
    });
    return { input, style, modelDigest: digest, keyframes };
  }

  /** Cuts the render into chunks, each keyed by the settings and its range. */
  private plan(staged: Staged): void {
    this.state = 'planning';
    const { render, options } = this;
    const { info } = render;
    const settings = {
      version: STYLECAST_VERSION,
      input: staged.input,
      fps: info.fps,
      ...render.frameSize,
      format: {
        ext: extname(render.output).toLowerCase() as ChunkJob['format']['ext'],
        lossless: Boolean(render.lossless),
        preset: render.preset ?? DEFAULT_PRESET,
      },
      model: { name: options.model.card.name, digest: staged.modelDigest },
      style: staged.style,
    };
    const renderKey = hashText(JSON.stringify(settings)).slice(0, 16);
    this.renderKey = renderKey;
    const ranges = planChunks(info.frameCount, info.fps, options.chunkSeconds, staged.keyframes);
    this.chunks = ranges.map(
      (range, index) =>
        new PlannedChunk({
          ...settings,
          renderKey,
          index,
          range,
          key: hashText(`${renderKey}:${range.start}:${range.count}${range.toEnd ? ':end' : ''}`),
        }),
    );
  }

  /** Holds the render's chunks, and takes up those already whole (a rerun, a shared render). */
  private async holdChunks(): Promise<void> {
    await this.hold(renderResource(this.renderKey));
    await Promise.all(
      this.chunks.map(async (chunk) => {
        chunk.record = await wholeChunk(this.options.farmDir, chunk.job.key, chunk.job.range);
      }),
    );
  }

  /**
   * Listens to the chunk queue, then adds the chunks not yet whole as the render's flow, unless
   * another render of the same settings has: the flow is shared.
   */
  private async enqueue(): Promise<ChunkFollower> {
    this.state = 'enqueueing';
    const { queue, renderKey, options } = this;
    const follower = new ChunkFollower(queue, this.chunks, {
      farmDir: options.farmDir,
      attempts: this.attempts,
      signal: options.signal,
      onProgress: (frames, workers) =>
        options.onProgress?.({
          frames,
          totalFrames: this.render.info.frameCount,
          elapsedMs: performance.now() - this.started,
          workers,
        }),
    });
    await follower.subscribe();
    const renderId = `render-${renderKey}`;
    const existing = await queue.render(renderId);
    // A failed earlier run leaves its flow behind: start a fresh one (its done chunks are kept).
    if (existing && (await queue.ask(existing.getState())) === 'failed') {
      const ids = PlannedChunk.allJobIds(renderKey, this.chunks.length, this.attempts);
      if (!(await queue.remove(renderId, ids, performance.now() + CANCEL_WAIT_MS)))
        throw new StylecastError(
          'FARM_CHUNK_FAILED',
          `A failed earlier render of these settings still has a chunk on a worker; run it again once that worker lets go (within its --stall-seconds)`,
        );
    }
    if (!existing || !(await queue.render(renderId))) {
      await queue.addFlow(
        renderId,
        { renderKey, output: this.render.output, chunks: this.chunks.length },
        this.chunks.flatMap((chunk) => (chunk.record ? [] : [{ id: chunk.jobId, job: chunk.job }])),
      );
    }
    return follower;
  }

  private follow(follower: ChunkFollower): Promise<Followed> {
    this.state = 'following';
    return follower.follow();
  }

  /** Joins the whole chunks into the output, with the source's audio; returns its frames. */
  private async join(): Promise<number> {
    this.state = 'joining';
    const { render, options } = this;
    const { info } = render;
    const counts = this.chunks.map((chunk) => chunk.record!.frames);
    const frames = counts.reduce((sum, count) => sum + count, 0);
    try {
      refuseCutShort(render.input, info, frames); // as a local render would: no rerun mends it
    } catch (error) {
      this.state = 'useless';
      throw error;
    }
    await joinChunks({
      chunks: this.chunks.map((chunk, i) => ({
        path: chunkPath(options.farmDir, chunk.job.key),
        frames: counts[i]!,
      })),
      fps: info.fps,
      output: render.outputFile,
      audio: info.hasAudio ? { path: render.input, codec: info.audioCodec } : undefined,
      listPath: join(options.farmDir, 'chunks', `${this.renderKey}.${process.pid}.txt`),
      lossless: render.lossless,
      preset: render.preset,
      signal: options.signal,
    });
    return frames;
  }

  /**
   * Lets go of what the render held. What nobody else holds any more goes: the copies of the input
   * and style images; the render's queue entries (stopping the workers on its chunks) and unfinished
   * chunk files; and its finished chunks too, unless it failed (they stay for a rerun). Never throws:
   * how the render ended is what the caller reports. With Redis lost nothing can be let go of.
   */
  private async letGo(): Promise<void> {
    const { queue, held, renderKey, chunks } = this;
    const { farmDir } = this.options;
    if (queue.lost || held.length === 0) return;
    const deadline = performance.now() + CANCEL_WAIT_MS;
    try {
      const free = await queue.holds.release(held);
      const render = renderResource(renderKey);
      if (free.includes(render)) {
        const ids = PlannedChunk.allJobIds(renderKey, chunks.length, this.attempts);
        await queue.remove(`render-${renderKey}`, ids, deadline);
        const keys = chunks.map((chunk) => chunk.job.key);
        if (this.state !== 'failed')
          await Promise.all(keys.map((key) => removeChunk(farmDir, key)));
        await removeUnfinished(farmDir, keys);
      }
      const files = free.filter((resource) => resource !== render);
      await Promise.all(files.map((file) => rm(join(farmDir, file), { force: true })));
      await queue.holds.removed(free);
    } catch {
      // Redis went away meanwhile: the holds lapse on their own, the files stay for a rerun.
    }
  }
}
