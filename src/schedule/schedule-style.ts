/**
 * Turns a schedule into the `StyleForFrame` the render and live pipelines call for every frame.
 * Every distinct style image is encoded exactly once, up front; per frame, the blended code is a
 * weighted sum of those codes and the alpha comes from the timeline. Inside a segment every frame
 * gets the same `StyleSettings` object (nothing is allocated); during a fade the segment's code is
 * reused and only the alpha is new; only a blend between two styles computes a code per frame.
 * The settings returned are shared: treat them as read-only.
 */
import { StylecastError } from '../errors.js';
import type { StyleForFrame, StyleSettings } from '../types.js';
import type { Schedule } from './schedule.js';
import { createTimeline, type TimelineState } from './timeline.js';

/** What encodes a style image file to its code: the runtime's `StyleCodes` (src/infer). */
export interface StyleEncoder {
  fromFile(imagePath: string): Promise<Float32Array>;
}

export interface ScheduleStyleOptions {
  encoder: StyleEncoder;
  /** The model's number of AdaIN levels (the length of every alpha array). */
  levels: number;
  /**
   * The `ptsMs` that schedule time 0 corresponds to: `0` (the default) for a file, whose frame
   * times count from its start; `'first-frame'` for a live stream, whose times count from the
   * first frame this function sees.
   */
  origin?: number | 'first-frame';
}

export async function createScheduleStyle(
  schedule: Schedule,
  options: ScheduleStyleOptions,
): Promise<StyleForFrame> {
  const timeline = createTimeline(schedule, options.levels);
  const codes = await Promise.all(schedule.images.map((image) => options.encoder.fromFile(image)));
  const codeSize = codes[0]?.length ?? 0;
  codes.forEach((code, i) => {
    if (code.length !== codeSize) {
      throw new StylecastError(
        'MODEL_INVALID',
        `The style encoder gave a code of ${code.length} values for ${schedule.images[i]} but ${codeSize} for ${schedule.images[0]}`,
      );
    }
  });

  // Keyed by the timeline's own objects: a segment's weights and states live as long as the
  // timeline, so their codes and settings are computed once; a blend's are new every frame.
  const blendedCodes = new WeakMap<Float64Array, Float32Array>();
  const settingsFor = new WeakMap<TimelineState, StyleSettings>();
  const codeFor = (weights: Float64Array): Float32Array => {
    let code = blendedCodes.get(weights);
    if (!code) {
      code = blendCodes(codes, weights, codeSize);
      blendedCodes.set(weights, code);
    }
    return code;
  };

  let originMs = options.origin === 'first-frame' ? undefined : (options.origin ?? 0);
  let lastPtsMs = NaN;
  let lastSettings: StyleSettings | null = null;

  return (frame) => {
    if (frame.ptsMs === lastPtsMs) return lastSettings;
    originMs ??= frame.ptsMs;
    const state = timeline.stateAt(frame.ptsMs - originMs);
    let settings: StyleSettings | null = null;
    if (state) {
      settings = settingsFor.get(state) ?? null;
      if (!settings) {
        settings = {
          code: codeFor(state.weights),
          alpha: state.alpha,
          preserveColor: state.preserveColor,
        };
        settingsFor.set(state, settings);
      }
    }
    lastPtsMs = frame.ptsMs;
    lastSettings = settings;
    return settings;
  };
}

/** Σ weightᵢ · codeᵢ; a weight of exactly 1 returns that image's own code. */
function blendCodes(
  codes: readonly Float32Array[],
  weights: Float64Array,
  codeSize: number,
): Float32Array {
  const single = weights.indexOf(1);
  if (single >= 0) return codes[single]!;
  const blended = new Float32Array(codeSize);
  weights.forEach((weight, i) => {
    if (weight === 0) return;
    const code = codes[i]!;
    for (let j = 0; j < codeSize; j++) blended[j]! += weight * code[j]!;
  });
  return blended;
}
