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
  /** The file's first timestamp: where the decoder's timeline (frame 0) begins. */
  startMs: number;
  /**
   * How far the video's packets reach on that timeline (the last one's time plus one frame), as
   * read by a stream copy; null unless the probe counted frames.
   */
  streamedMs: number | null;
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

const DURATION = /Duration: \d+:\d\d:\d\d(?:\.\d+)?/;
const START = /Duration: [^\n]*?, start: (-?\d+(?:\.\d+)?)/;
const VIDEO_STREAM = /Stream #0:\d+[^:]*: Video: (\w+)[^\n]*?, (\d+)x(\d+)/;
const AUDIO_STREAM = /Stream #0:\d+[^:]*: Audio: (\w+)/;
const FPS = /, ([\d.]+k?) fps/;
const TBR = /, ([\d.]+k?) tbr/;
const ROTATE_TAG = /^\s*rotate\s*:\s*(-?\d+)/m;
const DISPLAY_MATRIX = /displaymatrix: rotation of (-?[\d.]+) degrees/;
const INPUT_FORMAT = /Input #0, ([^,]+(?:,[^,\s]+)*), from/;

const CLOCK = /(\d+):(\d\d):(\d\d(?:\.\d+)?)/;

/** `HH:MM:SS.ss` (the first one in `text`) in milliseconds, or null. */
function clockMs(text: string): number | null {
  const clock = CLOCK.exec(text);
  if (!clock) return null;
  return Math.round((Number(clock[1]) * 3600 + Number(clock[2]) * 60 + Number(clock[3])) * 1000);
}

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
  const durationMs = duration ? clockMs(duration[0]) : null;

  const start = START.exec(log)?.[1];

  const pixelFormat =
    /Video: [^\n]*?, (yuv\w+|rgb\w+|bgr\w+|gray\w*|gbr\w+|nv\w+|p0\w+)/.exec(videoLine)?.[1] ?? '';
  const bitDepth = Number(/p(\d\d)(?:le|be)$/.exec(pixelFormat)?.[1] ?? 8);
  const audio = AUDIO_STREAM.exec(log);

  return {
    width: turned ? storedHeight : storedWidth,
    height: turned ? storedWidth : storedHeight,
    fps,
    durationMs,
    startMs: start === undefined ? 0 : Math.round(Number(start) * 1000),
    streamedMs: null,
    rotation,
    hasAudio: audio !== null,
    audioCodec: audio?.[1] ?? null,
    videoCodec: video[1] ?? 'unknown',
    bitDepth,
    format: INPUT_FORMAT.exec(log)?.[1] ?? 'unknown',
    frameCount: durationMs === null ? 0 : Math.round((durationMs / 1000) * fps),
  };
}

/**
 * The last `frame=  N … time=HH:MM:SS.ss` of ffmpeg's progress output: how many packets a stream
 * copy read, and how far the last one reaches (null when ffmpeg printed no time, or a negative one).
 */
export function parseCopyStats(log: string): { frames: number; timeMs: number | null } | null {
  const last = [...log.matchAll(/frame=\s*(\d+)[^\r\n]*/g)].at(-1);
  if (!last?.[1]) return null;
  const time = /time=(\d+:\d\d:\d\d(?:\.\d+)?)/.exec(last[0])?.[1];
  return { frames: Number(last[1]), timeMs: time ? clockMs(time) : null };
}
