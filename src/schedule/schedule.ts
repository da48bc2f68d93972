/**
 * A validated style schedule: what `parseSchedule` produces and the timeline reads. Times are in
 * milliseconds (the unit of `Frame.ptsMs`), rounded to the microsecond; image paths are absolute.
 */

/** The transition, in seconds, when the file gives none. */
export const DEFAULT_TRANSITION_SECONDS = 0.5;

/** One style image in a segment's blend. */
export interface ScheduleStyleImage {
  /** Absolute path (the file's path resolved against the schedule's folder). */
  path: string;
  /** Where the file names it (`segments[1].style[0].image`), for messages. */
  field: string;
  /** Index into `Schedule.images`. */
  imageIndex: number;
  /** The blend weight, normalized so a segment's weights sum to 1. */
  weight: number;
}

export interface ScheduleSegment {
  /** Position in the file's `segments` array, for messages (`segments[2]`). */
  index: number;
  /** The segment's optional `name`, shown by `schedule check`. */
  name: string | undefined;
  startMs: number;
  endMs: number;
  /** The blend, or `null` for an unstyled segment (original pixels). */
  style: readonly ScheduleStyleImage[] | null;
  /** One strength for every model level, or one per level. */
  alpha: number | readonly number[];
  preserveColor: boolean;
  /** The transition into this segment (and out of it into a gap), in milliseconds. */
  transitionMs: number;
}

export interface Schedule {
  /** Sorted by start; never overlapping (touching is fine). */
  segments: readonly ScheduleSegment[];
  /** Every distinct style image (absolute paths), in order of first use. */
  images: readonly string[];
  /** Repeat the schedule (live): its period is the end of the last segment. */
  loop: boolean;
  /** The number of alpha levels the file's per-level `alpha` arrays have, when any has one. */
  levels: number | undefined;
  /** The file-wide transition, in milliseconds. */
  transitionMs: number;
}

/** Seconds to milliseconds, rounded to the microsecond so `4.1` s is `4100` ms, not `4099.999…`. */
export function secondsToMs(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e3;
}
