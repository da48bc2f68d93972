/**
 * stylecast as a library: the pieces the CLI is made of, with the same checks and limits. Every
 * failure a caller can cause is a `StylecastError` with a stable `code`; long calls take an
 * `AbortSignal`. See README.md, "Use it as a library".
 */
export type { Frame, StyleSettings, StyleForFrame } from './types.js';
export { StylecastError, isAbortError, type ErrorCode } from './errors.js';
export { openStylizer, poolStylizer, type StylizerOptions } from './stylizer/open-stylizer.js';
export type { Stylizer } from './stylizer/stylizer.js';
export { prepareStyle, scheduleStyle, type StyleOptions } from './stylizer/prepare-style.js';
export { DEFAULT_STYLE } from './stylizer/default-style.js';
export { parseStyleOption, type StyleChoice } from './infer/parse-style-option.js';
export { WEIGHT_MAX } from './style-values.js';
export { probeMedia, type MediaInfo } from './decode/probe.js';
export { decodeFrames } from './decode/decode-frames.js';
export { parseSizeOption, workingSize, type Size } from './decode/working-size.js';
export { loadModel, type ModelFiles } from './infer/load-model.js';
export { InferencePool, type PoolOptions } from './infer/inference-pool.js';
export { StyleCodes, blendCodes, alphaPerLevel } from './infer/style-codes.js';
export { listModels } from './infer/list-models.js';
export { probeProviders } from './infer/probe-providers.js';
export { VideoEncoder } from './encode/video-encoder.js';
export { prepareOutput } from './encode/output-file.js';
export {
  planRender,
  renderVideo,
  type RenderRequest,
  type RenderPlan,
  type RenderProgress,
  type RenderVideoOptions,
  type RenderResult,
} from './render/render-video.js';
export { renderImage, MAX_IMAGE_PIXELS, type RenderImageOptions } from './render/render-image.js';
export { startLive, LiveRun, type LiveRunState } from './live/live-run.js';
export type { LiveOptions, LiveSummary } from './live/live-options.js';
export { liveStyle } from './live/live-style.js';
export type { PublishCounts, PublishStatus } from './publish/stream-publisher.js';
export { StyleGallery } from './stream/style-gallery.js';
export type { LiveSettings } from './live/live-types.js';
export type { ViewerCodec, ViewerCodecChoice } from './stream/viewer-transports.js';
export { startStreamServer } from './stream/stream-server.js';
export { parseLiveSource, liveInputArgs } from './decode/live-source.js';
export { loadSchedule } from './schedule/load-schedule.js';
export { openSchedule } from './schedule/open-schedule.js';
export { createScheduleStyle, type StyleEncoder } from './schedule/schedule-style.js';
export { createTimeline } from './schedule/timeline.js';
export type { Schedule } from './schedule/schedule.js';
