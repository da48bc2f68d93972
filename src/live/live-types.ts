/**
 * What a live run is, as its parts and its viewers see it: the style state, the stream's format,
 * the source's state and the run's statistics. The viewer protocol (src/stream/protocol.ts)
 * carries these; nothing here depends on how.
 */

/** The style state every viewer sees: a blend of gallery styles, strength and colour mode. */
export interface LiveSettings {
  styles: { name: string; weight: number }[];
  /** 0 (content) to 1 (full style): one for every level, or one per model level. */
  alpha: number | number[];
  preserveColor: boolean;
}

/** The stream's frame size and rate; all 0 while a source that failed at the start is retried. */
export interface VideoFormat {
  width: number;
  height: number;
  fps: number;
}

export type SourceState = 'live' | 'lost' | 'retrying' | 'ended';

export interface SourceStatus {
  state: SourceState;
  /** Retry attempt (1-based) while `retrying`. */
  attempt?: number;
  retryInMs?: number;
  message?: string;
}

export interface StatsSnapshot {
  /** Stylized frames per second leaving the pipeline. */
  fps: number;
  /** Frames per second the source delivered. */
  sourceFps: number;
  /** Capture to send, over the last few seconds (server side). */
  latencyMs: { p50: number; p95: number };
  /** Stale frames dropped because inference fell behind (since start). */
  drops: number;
}
