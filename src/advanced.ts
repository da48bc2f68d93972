/**
 * stylecast's building blocks (`import … from 'stylecast/advanced'`), for a caller that wires its
 * own pipeline: the model and its inference pool, style codes, probing and decoding, the encoder,
 * the render's plan, the live run's parts and the viewer server, schedules' timelines. The same
 * checks and errors as the front door (`stylecast`); the CLI is built from these.
 */
export { poolStylizer } from './stylizer/open-stylizer.js';
export { assertOpenStylizer } from './stylizer/stylizer.js';
export { stylesOrDefault } from './stylizer/default-style.js';
export { loadModel, type ModelFiles } from './infer/load-model.js';
export type { ModelCard } from './infer/model-card.js';
export { InferencePool, type PoolOptions } from './infer/inference-pool.js';
export { StyleCodes, blendCodes, alphaPerLevel } from './infer/style-codes.js';
export { listModels } from './infer/list-models.js';
export { probeProviders } from './infer/probe-providers.js';
export { parseStyleOption } from './infer/parse-style-option.js';
export { WEIGHT_MAX } from './style-values.js';
export { probeMedia, type MediaInfo } from './decode/probe.js';
export { decodeFrames } from './decode/decode-frames.js';
export { parseSizeOption, workingSize, SIZE_720P } from './decode/working-size.js';
export { liveInputArgs } from './decode/live-source.js';
export { VideoEncoder } from './encode/video-encoder.js';
export { prepareOutput } from './encode/output-file.js';
export {
  outputFormat,
  VIDEO_FORMATS,
  IMAGE_FORMATS,
  X264_PRESETS,
  type X264Preset,
} from './encode/output-formats.js';
export { planRender, type RenderPlan } from './render/render-video.js';
export { stylizeFrames, type StylizeFramesOptions } from './render/stylize-frames.js';
export { MAX_IMAGE_PIXELS } from './render/render-image.js';
export { LiveRun } from './live/live-run.js';
export { liveStyle } from './live/live-style.js';
export type { StatsSnapshot } from './live/live-types.js';
export type { PublishCounts, PublishStatus } from './publish/stream-publisher.js';
export type { ViewerCodec, ViewerCodecChoice } from './stream/viewer-transports.js';
export { startStreamServer } from './stream/stream-server.js';
export { openSchedule } from './schedule/open-schedule.js';
export { createScheduleStyle, type StyleEncoder } from './schedule/schedule-style.js';
export { createTimeline } from './schedule/timeline.js';
