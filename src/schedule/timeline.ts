/**
 * The schedule's maths: at time t, what to show — weights over the style images, alpha per
 * level and preserveColor, or `null` for the original pixels. Pure and allocation-free inside a
 * segment (the same state object is returned for every frame there).
 *
 * The rules:
 * - A frame at time t belongs to the segment with start ≤ t < end (compared to the microsecond,
 *   so a frame time computed as `i * (1000 / fps)` lands like `i * 1000 / fps`). Times in no
 *   segment, and `style: null` segments, are unstyled.
 * - Each boundary between two neighbouring parts (segments or gaps) has a transition window
 *   centred on it. Its length is the transition of the part that starts there (or, into a gap,
 *   of the segment that ends there), shrunk so that it takes at most half of either part: a
 *   segment shorter than its transitions still blends in and out, and windows never overlap.
 * - Styled → styled: the code weights and the alpha move from one to the other along a
 *   smoothstep, monotonically. When the two differ in preserveColor, which cannot be blended, the
 *   alpha fades to 0 at the boundary, preserveColor switches there, and the alpha fades back up.
 * - Styled ↔ unstyled: the weights stay, the alpha fades to 0 (or up from 0); the frame switches
 *   to the original pixels only where the alpha reaches 0.
 * - `loop`: the schedule repeats with a period of its last segment's end; the boundary at the
 *   wrap blends the last part into the first like any other (from the second pass on).
 */
import { StylecastError } from '../errors.js';
import type { Schedule, ScheduleSegment } from './schedule.js';

export interface TimelineState {
  /**
   * Blend weight per style image (indexed like `Schedule.images`), summing to 1. Inside a segment,
   * and during a fade, it is the segment's own array (the same object on every call).
   */
  weights: Float64Array;
  /** Strength per model level. */
  alpha: Float32Array;
  preserveColor: boolean;
}

export type TransitionKind = 'blend' | 'fade-in' | 'fade-out' | 'fade-through';

/** One transition window, for people reading the timeline (`schedule check`). */
export interface TimelineTransition {
  kind: TransitionKind;
  /** The boundary the window is centred on. */
  atMs: number;
  startMs: number;
  endMs: number;
  /** The segment before and after (file indices), or `null` for a gap. */
  from: number | null;
  to: number | null;
  /** True for the loop's wrap (last part into the first), which applies from the second pass. */
  wrap: boolean;
}

export interface Timeline {
  /** What to show at `timeMs` (from the start of the video or stream). Read-only results. */
  stateAt(timeMs: number): TimelineState | null;
  /** The transition windows of one pass, in time order. */
  transitions: readonly TimelineTransition[];
  /** The loop's period, or `undefined` when the schedule does not loop. */
  periodMs: number | undefined;
  levels: number;
}

/** Frame times are compared to the microsecond: `i * (1000 / 24)` for i = 108 is 4500 ms. */
const TIME_TOLERANCE_MS = 1e-3;

interface Part {
  startMs: number;
  endMs: number;
  segment: ScheduleSegment | null;
  state: TimelineState | null;
}

interface Boundary {
  atMs: number;
  halfMs: number;
  kind: TransitionKind | 'none';
  from: Part;
  to: Part;
}

/** Smoothstep: 0 → 0, 1 → 1, monotonic, flat at both ends. */
export function ease(progress: number): number {
  const p = Math.min(1, Math.max(0, progress));
  return p * p * (3 - 2 * p);
}

export function createTimeline(schedule: Schedule, levels: number): Timeline {
  if (!Number.isInteger(levels) || levels < 1) {
    throw new RangeError(`Expected \`levels\` to be a whole number from 1, got \`${levels}\``);
  }
  const parts = buildParts(schedule, levels);
  const lastSegment = schedule.segments[schedule.segments.length - 1];
  const periodMs = schedule.loop && lastSegment ? lastSegment.endMs : undefined;

  // boundaries[k] is the boundary at the start of parts[k]; boundaries[0] is the loop's wrap.
  const boundaries: (Boundary | undefined)[] = parts.map((part, k) => {
    const previous =
      k > 0 ? parts[k - 1] : periodMs !== undefined ? parts[parts.length - 1] : undefined;
    return previous ? makeBoundary(previous, part, k === 0 ? 0 : part.startMs) : undefined;
  });
  const wrap = boundaries[0];

  const startsMs = parts.map((part) => part.startMs);
  const partIndexAt = (timeMs: number): number => {
    let low = 0;
    let high = parts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (startsMs[middle]! <= timeMs) low = middle;
      else high = middle - 1;
    }
    return low;
  };

  const stateAt = (timeMs: number): TimelineState | null => {
    // `t` places the frame; `within` (a microsecond later) decides which side of an edge it is on.
    let t = Math.max(0, timeMs);
    let firstPass = true;
    if (periodMs !== undefined && t + TIME_TOLERANCE_MS >= periodMs) {
      t -= Math.floor((t + TIME_TOLERANCE_MS) / periodMs) * periodMs;
      firstPass = false;
    }
    const within = t + TIME_TOLERANCE_MS;
    const k = partIndexAt(within);
    const part = parts[k]!;
    // The window at this part's start (the wrap's only from the second pass on)...
    const opening = k === 0 ? (firstPass ? undefined : wrap) : boundaries[k];
    if (opening && opening.kind !== 'none' && within < part.startMs + opening.halfMs) {
      return mix(opening, (t - (part.startMs - opening.halfMs)) / (2 * opening.halfMs));
    }
    // ...or the one at its end (the wrap's, for the last part of a loop).
    const closing = k + 1 < parts.length ? boundaries[k + 1] : wrap;
    if (closing && closing.kind !== 'none' && within >= part.endMs - closing.halfMs) {
      return mix(closing, (t - (part.endMs - closing.halfMs)) / (2 * closing.halfMs));
    }
    return part.state;
  };

  const transitions: TimelineTransition[] = [];
  boundaries.forEach((boundary, k) => {
    if (!boundary || boundary.kind === 'none' || boundary.halfMs === 0) return;
    const atMs = k === 0 ? periodMs! : boundary.atMs;
    transitions.push({
      kind: boundary.kind,
      atMs,
      startMs: atMs - boundary.halfMs,
      endMs: atMs + boundary.halfMs,
      from: boundary.from.segment?.index ?? null,
      to: boundary.to.segment?.index ?? null,
      wrap: k === 0,
    });
  });
  transitions.sort((a, b) => a.atMs - b.atMs);

  return { stateAt, transitions, periodMs, levels };
}

/** Splits one pass of the schedule into consecutive parts: segments and the gaps between them. */
function buildParts(schedule: Schedule, levels: number): Part[] {
  const parts: Part[] = [];
  let cursor = 0;
  for (const segment of schedule.segments) {
    if (segment.startMs > cursor) {
      parts.push({ startMs: cursor, endMs: segment.startMs, segment: null, state: null });
    }
    parts.push({
      startMs: segment.startMs,
      endMs: segment.endMs,
      segment,
      state: segmentState(segment, schedule.images.length, levels),
    });
    cursor = segment.endMs;
  }
  if (!schedule.loop || parts.length === 0) {
    parts.push({ startMs: cursor, endMs: Infinity, segment: null, state: null });
  }
  return parts;
}

function segmentState(
  segment: ScheduleSegment,
  imageCount: number,
  levels: number,
): TimelineState | null {
  if (segment.style === null) return null;
  const weights = new Float64Array(imageCount);
  for (const image of segment.style) weights[image.imageIndex] = image.weight;
  let alpha: Float32Array;
  if (typeof segment.alpha === 'number') {
    alpha = new Float32Array(levels).fill(segment.alpha);
  } else if (segment.alpha.length === levels) {
    alpha = Float32Array.from(segment.alpha);
  } else {
    throw new StylecastError(
      'SCHEDULE_INVALID',
      `segments[${segment.index}].alpha: has ${segment.alpha.length} values but the model has ${levels} levels (give one per level, or one number)`,
    );
  }
  return { weights, alpha, preserveColor: segment.preserveColor };
}

function makeBoundary(from: Part, to: Part, atMs: number): Boundary {
  const transitionMs = to.segment?.transitionMs ?? from.segment?.transitionMs ?? 0;
  const halfMs = Math.min(
    transitionMs / 2,
    (from.endMs - from.startMs) / 2,
    (to.endMs - to.startMs) / 2,
  );
  let kind: Boundary['kind'];
  if (!from.state && !to.state) kind = 'none';
  else if (!from.state) kind = 'fade-in';
  else if (!to.state) kind = 'fade-out';
  else kind = from.state.preserveColor === to.state.preserveColor ? 'blend' : 'fade-through';
  return { atMs, halfMs, kind, from, to };
}

/** The state `progress` (0 → 1) of the way through a boundary's window. */
function mix(boundary: Boundary, rawProgress: number): TimelineState | null {
  const progress = Math.min(1, Math.max(0, rawProgress));
  const from = boundary.from.state;
  const to = boundary.to.state;
  switch (boundary.kind) {
    case 'fade-out':
      return scaleAlpha(from!, 1 - ease(progress));
    case 'fade-in': {
      const amount = ease(progress);
      return amount > 0 ? scaleAlpha(to!, amount) : null;
    }
    case 'fade-through':
      return progress < 0.5
        ? scaleAlpha(from!, 1 - ease(2 * progress))
        : scaleAlpha(to!, ease(2 * progress - 1));
    case 'blend': {
      const amount = ease(progress);
      const weights = new Float64Array(from!.weights.length);
      for (let i = 0; i < weights.length; i++) {
        weights[i] = from!.weights[i]! + (to!.weights[i]! - from!.weights[i]!) * amount;
      }
      const alpha = new Float32Array(from!.alpha.length);
      for (let i = 0; i < alpha.length; i++) {
        alpha[i] = from!.alpha[i]! + (to!.alpha[i]! - from!.alpha[i]!) * amount;
      }
      return { weights, alpha, preserveColor: from!.preserveColor };
    }
    case 'none':
      return to;
  }
}

function scaleAlpha(state: TimelineState, amount: number): TimelineState {
  const alpha = new Float32Array(state.alpha.length);
  for (let i = 0; i < alpha.length; i++) alpha[i] = state.alpha[i]! * amount;
  return { weights: state.weights, alpha, preserveColor: state.preserveColor };
}
