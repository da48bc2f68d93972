/** Types shared across folders. Types used by one folder live beside their use. */

/** One decoded video frame: packed RGB24, row-major (HWC). */
export interface Frame {
  index: number;
  ptsMs: number;
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * How one frame is stylized: a style code (a blend already summed), alpha per model level, and
 * whether to keep the content's colours. `null` leaves the frame unstyled (its original pixels).
 */
export interface StyleSettings {
  code: Float32Array;
  alpha: Float32Array;
  preserveColor: boolean;
}

/** Chooses the style settings for each frame: a fixed style, a schedule, or a live control. */
export type StyleForFrame = (frame: Frame) => StyleSettings | null;
