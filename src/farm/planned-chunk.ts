/**
 * Where one chunk of a farm render stands, as its coordinator follows it: its job, its file once
 * whole, the frames a worker has reported so far, and the tries it took. A chunk sent to be
 * rendered again (its file damaged or gone after it finished) gets a job id of its own.
 */
import type { ChunkJob } from './chunk-job.js';
import type { ChunkRecord } from './chunk-record.js';

export class PlannedChunk {
  /** Set once the chunk's file is whole. */
  record: ChunkRecord | null = null;
  /** Frames its worker has written so far (its job's progress). */
  progress = 0;
  /** Times its finished file was found damaged or gone, and it was sent to be rendered again. */
  rerenders = 0;
  /** Extra tries its job took: failed attempts, and stalls (killed workers). */
  retries = 0;

  constructor(readonly job: ChunkJob) {}

  /** Its job id: its render and index, and how many times it was sent to be rendered again. */
  get jobId(): string {
    return PlannedChunk.jobId(this.job.renderKey, this.job.index, this.rerenders);
  }

  static jobId(renderKey: string, index: number, rerenders: number): string {
    return `${renderKey}-${index}${rerenders ? `-r${rerenders}` : ''}`;
  }

  /** Every job id the chunk can have had: once, and once per time it was rendered again. */
  static allJobIds(renderKey: string, count: number, attempts: number): string[] {
    return Array.from({ length: count }, (_, index) =>
      Array.from({ length: attempts + 1 }, (_, n) => PlannedChunk.jobId(renderKey, index, n)),
    ).flat();
  }

  /** Its frames so far: all of them once whole, else what its worker reported. */
  get frames(): number {
    return this.record?.frames ?? this.progress;
  }

  /** How messages name it: `Chunk 3 (frames 60–79)`. */
  get label(): string {
    const { index, range } = this.job;
    return `Chunk ${index} (frames ${range.start}–${range.start + range.count - 1})`;
  }
}
