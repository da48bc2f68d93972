/**
 * Frame metadata rides inside the JPEG itself, as a comment segment (COM, `FF FE`) right after
 * the start-of-image marker: `stylecast {"index":12,"captureMs":1767052800123.4}`. Every binary
 * message stays one complete, standard JPEG (decoders skip comments), and a client that wants
 * the capture time for latency reads it from the first bytes.
 */

export interface FrameTag {
  /** The source frame's number since the run started. */
  index: number;
  /** When the source frame was read, in ms since the Unix epoch on the server's clock. */
  captureMs: number;
}

const PREFIX = 'stylecast ';

export function tagJpegFrame(jpeg: Uint8Array, tag: FrameTag): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) {
    throw new TypeError('Expected `jpeg` to start with a JPEG start-of-image marker');
  }
  const text = Buffer.from(PREFIX + JSON.stringify(tag), 'latin1');
  const segment = Buffer.alloc(4 + text.length);
  segment[0] = 0xff;
  segment[1] = 0xfe;
  segment.writeUInt16BE(text.length + 2, 2);
  text.copy(segment, 4);
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

/** Reads the tag of a frame made by `tagJpegFrame`; undefined when it has none. */
export function readJpegFrameTag(jpeg: Uint8Array): FrameTag | undefined {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8 || jpeg[2] !== 0xff || jpeg[3] !== 0xfe) {
    return undefined;
  }
  const length = ((jpeg[4] ?? 0) << 8) | (jpeg[5] ?? 0);
  const text = Buffer.from(jpeg.subarray(6, 4 + length)).toString('latin1');
  if (!text.startsWith(PREFIX)) return undefined;
  try {
    const tag = JSON.parse(text.slice(PREFIX.length)) as FrameTag;
    return typeof tag.index === 'number' && typeof tag.captureMs === 'number' ? tag : undefined;
  } catch {
    return undefined;
  }
}
