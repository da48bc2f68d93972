/**
 * Reads what `ffmpeg -i FILE` prints about a file: no ffprobe needed. Works with the bundled 2018
 * ffmpeg (`rotate : 90` metadata) and newer ones (`displaymatrix: rotation of -90.00 degrees`).
 */

export interface MediaInfo {
  /** Displayed size: rotation already applied, as ffmpeg's decoder will deliver the frames. */
  width: number;
  height: number;
  /** Frames per second (the stream's average rate; a variable-rate source is rendered at it). */
  fps: number;
  durationMs: number | null;
  /** Clockwise degrees the player turns the stored picture: 0, 90, 180 or 270. */
  rotation: number;
  hasAudio: boolean;
  audioCodec: string | null;
  videoCodec: string;
  /** Bits per colour component of the source (8, 10, 12…). */
  bitDepth: number;
  /** Container format names, as ffmpeg prints them (`mov,mp4,m4a,3gp,3g2,mj2`). */
  format: string;
  /** Counted from the stream's packets when asked for; else estimated from duration × fps. */
  frameCount: number;
}

const DURATION = /Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/;
const VIDEO_STREAM = /Stream #0:\d+[^:]*: Video: (\w+)[^\n]*?, (\d+)x(\d+)/;
const AUDIO_STREAM = /Stream #0:\d+[^:]*: Audio: (\w+)/;
const FPS = /, ([\d.]+k?) fps/;
const TBR = /, ([\d.]+k?) tbr/;
const ROTATE_TAG = /^\s*rotate\s*:\s*(-?\d+)/m;
const DISPLAY_MATRIX = /displaymatrix: rotation of (-?[\d.]+) degrees/;
const INPUT_FORMAT = /Input #0, ([^,]+(?:,[^,\s]+)*), from/;

function parseRate(text: string): number {
  return text.endsWith('k') ? parseFloat(text) * 1000 : parseFloat(text);
}

/** Returns null when the log shows no video stream. */
export function parseProbe(log: string): MediaInfo | null {
  const video = VIDEO_STREAM.exec(log);
  if (!video) return null;
  const [videoLine = ''] = log.slice(video.index).split('\n');
  const rate = FPS.exec(videoLine) ?? TBR.exec(videoLine);
  const fps = rate?.[1] ? parseRate(rate[1]) : 25;

  // Metadata and side data of the video stream follow its line, up to the next stream.
  const afterVideo = log.slice(video.index + videoLine.length);
  const nextStream = afterVideo.search(/\n\s*Stream #/);
  const videoBlock = nextStream === -1 ? afterVideo : afterVideo.slice(0, nextStream);
  let rotation = 0;
  const tag = ROTATE_TAG.exec(videoBlock);
  const matrix = DISPLAY_MATRIX.exec(videoBlock);
  // The rotate tag is clockwise; the display matrix states the counter-clockwise angle.
  if (tag?.[1]) rotation = Number(tag[1]);
  else if (matrix?.[1]) rotation = -Math.round(Number(matrix[1]));
  rotation = ((rotation % 360) + 360) % 360;

  const storedWidth = Number(video[2]);
  const storedHeight = Number(video[3]);
  const turned = rotation === 90 || rotation === 270;

  const duration = DURATION.exec(log);
  const durationMs = duration
    ? Math.round(
        (Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3])) * 1000,
      )
    : null;

  const pixelFormat =
    /Video: [^\n]*?, (yuv\w+|rgb\w+|bgr\w+|gray\w*|gbr\w+|nv\w+|p0\w+)/.exec(videoLine)?.[1] ?? '';
  const bitDepth = Number(/p(\d\d)(?:le|be)$/.exec(pixelFormat)?.[1] ?? 8);
  const audio = AUDIO_STREAM.exec(log);

  return {
    width: turned ? storedHeight : storedWidth,
    height: turned ? storedWidth : storedHeight,
    fps,
    durationMs,
    rotation,
    hasAudio: audio !== null,
    audioCodec: audio?.[1] ?? null,
    videoCodec: video[1] ?? 'unknown',
    bitDepth,
    format: INPUT_FORMAT.exec(log)?.[1] ?? 'unknown',
    frameCount: durationMs === null ? 0 : Math.round((durationMs / 1000) * fps),
  };
}

/** The last `frame=  N` of ffmpeg's progress output. */
export function parseFrameCount(log: string): number | null {
  const matches = [...log.matchAll(/frame=\s*(\d+)/g)];
  const last = matches.at(-1);
  return last?.[1] ? Number(last[1]) : null;
}
