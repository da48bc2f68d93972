/** What a finished video render reports, the same for a local and a farm render. */
import type { RenderResult } from '../render/render-video.js';

/** The `--json` fields every video render shares, rounded as printed. */
export function renderedFields(result: RenderResult) {
  return {
    frames: result.frames,
    fps: Number(result.fps.toFixed(2)),
    seconds: Number(result.seconds.toFixed(3)),
    width: result.width,
    height: result.height,
  };
}

/** The closing line: `Wrote OUT (N frames at WxH, S s, F fps` + `detail` + `)`. */
export function wroteLine(result: RenderResult, detail = ''): string {
  return `Wrote ${result.output} (${result.frames} frames at ${result.width}x${result.height}, ${result.seconds.toFixed(1)} s, ${result.fps.toFixed(1)} fps${detail})`;
}
