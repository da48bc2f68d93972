/**
 * stylecast, the library: open a stylizer (a model on inference workers), prepare a style, and
 * stylize a video file, a still image or a live source with it. Every option has the CLI's name,
 * default and rule; every failure a caller can cause is a `StylecastError` with a stable `code`;
 * long calls take an `AbortSignal`. The parts these are made of (the inference pool, the decoder
 * and encoder, the viewer server …) are in `stylecast/advanced`.
 */
export { openStylizer, type StylizerOptions } from './stylizer/open-stylizer.js';
export type { Stylizer } from './stylizer/stylizer.js';
export { prepareStyle, scheduleStyle, type StyleOptions } from './stylizer/prepare-style.js';
export { DEFAULT_STYLE } from './stylizer/default-style.js';
export {
  renderVideo,
  type RenderProgress,
  type RenderRequest,
  type RenderResult,
  type RenderVideoOptions,
} from './render/render-video.js';
export {
  renderImage,
  type RenderImageOptions,
  type RenderImageResult,
} from './render/render-image.js';
export { startLive, type LiveRun, type LiveRunState } from './live/live-run.js';
export type { LiveOptions, LiveSummary } from './live/live-options.js';
export type { LiveSettings, SourceStatus, VideoFormat } from './live/live-types.js';
export { parseLiveSource, type LiveSource } from './decode/live-source.js';
export { StyleGallery } from './stream/style-gallery.js';
export { loadSchedule, type LoadedSchedule } from './schedule/load-schedule.js';
export type { Schedule } from './schedule/schedule.js';
export { StylecastError, isAbortError, type ErrorCode } from './errors.js';
export type { Size } from './decode/working-size.js';
export type { StyleChoice } from './infer/parse-style-option.js';
export type { Frame, StyleForFrame, StyleSettings } from './types.js';
