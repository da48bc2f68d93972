/** Parses `--size`: `1280x720` (fit inside, aspect kept) or `720p` (that height, aspect kept). */

export interface Size {
  width: number;
  height: number;
}

/**
 * 1280×720, the size stylecast is tuned for: a live run's largest `auto` size and its guess before
 * the source opens, a test pattern's default, and what precisions are timed at (at most).
 */
export const SIZE_720P: Readonly<Size> = Object.freeze({ width: 1280, height: 720 });

const EXPLICIT = /^(\d+)x(\d+)$/;
const LINES = /^(\d+)p$/;

export function parseSizeOption(text: string): Size {
  const explicit = EXPLICIT.exec(text);
  if (explicit) return positive({ width: Number(explicit[1]), height: Number(explicit[2]) }, text);
  const lines = LINES.exec(text);
  if (lines) return positive({ width: Number.POSITIVE_INFINITY, height: Number(lines[1]) }, text);
  throw new RangeError(`Expected \`size\` to look like 1280x720 or 720p, got \`${text}\``);
}

function positive(size: Size, text: string): Size {
  if (
    size.width < 2 ||
    size.height < 2 ||
    size.height > 8192 ||
    (Number.isFinite(size.width) && size.width > 8192)
  ) {
    throw new RangeError(`Expected \`size\` between 2 and 8192 pixels a side, got \`${text}\``);
  }
  return size;
}

/**
 * The frame size to work at: the source scaled to fit `limit` with its aspect ratio, rounded to
 * even numbers (H.264 4:2:0 needs them) without leaving the box. Without a limit, the source's own size.
 */
export function workingSize(source: Size, limit?: Size): Size {
  if (!limit) return source;
  const scale = Math.min(limit.width / source.width, limit.height / source.height);
  // The nearest even number that still fits the box (`101x77` gives 100 wide, not 102).
  const even = (value: number, max: number): number =>
    Math.max(2, Math.min(Math.round(value / 2) * 2, Math.floor(max / 2) * 2));
  return {
    width: even(source.width * scale, limit.width),
    height: even(source.height * scale, limit.height),
  };
}
