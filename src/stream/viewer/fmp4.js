// Fragmented MP4 for Media Source Extensions, written here from the server's H.264 frames: an
// init segment (ftyp + moov, with the frame's avcC configuration) for each configuration, then
// one media segment (moof + mdat) per frame. Only what MSE reads is written: one video track,
// one sample per fragment, times in milliseconds.

const TIMESCALE = 1000;
const encoder = new TextEncoder();

function box(type, ...parts) {
  const size = 8 + parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, size);
  out.set(encoder.encode(type), 4);
  let at = 8;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A full box: version and flags, then the fields. */
function fullBox(type, version, flags, ...parts) {
  return box(
    type,
    new Uint8Array([version, flags >> 16, (flags >> 8) & 0xff, flags & 0xff]),
    ...parts,
  );
}

/** Big-endian fields: [bits, value] pairs (8, 16, 32 or 64 bits). */
function fields(...pairs) {
  const size = pairs.reduce((sum, [bits]) => sum + bits / 8, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const [bits, value] of pairs) {
    if (bits === 8) view.setUint8(at, value);
    else if (bits === 16) view.setUint16(at, value);
    else if (bits === 32) view.setUint32(at, value >>> 0);
    else view.setBigUint64(at, BigInt(value));
    at += bits / 8;
  }
  return out;
}

const zeros = (count) => new Uint8Array(count);
// The identity transform, as 16.16 and 2.30 fixed point.
const MATRIX = fields(
  ...[0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000].map((value) => [32, value]),
);

/** ftyp + moov for one H.264 configuration (`config`: an avcC record) at `width`×`height`. */
export function initSegment({ width, height, config }) {
  const ftyp = box(
    'ftyp',
    encoder.encode('isom'),
    fields([32, 0x200]),
    encoder.encode('isomiso5avc1mp41'),
  );
  const mvhd = fullBox(
    'mvhd',
    0,
    0,
    fields([32, 0], [32, 0], [32, TIMESCALE], [32, 0], [32, 0x00010000], [16, 0x0100]),
    zeros(10),
    MATRIX,
    zeros(24),
    fields([32, 2]),
  );
  const tkhd = fullBox(
    'tkhd',
    0,
    3,
    fields([32, 0], [32, 0], [32, 1], [32, 0], [32, 0]),
    zeros(8),
    fields([16, 0], [16, 0], [16, 0], [16, 0]),
    MATRIX,
    fields([32, width * 0x10000], [32, height * 0x10000]),
  );
  const mdhd = fullBox(
    'mdhd',
    0,
    0,
    fields([32, 0], [32, 0], [32, TIMESCALE], [32, 0], [16, 0x55c4], [16, 0]),
  );
  const hdlr = fullBox(
    'hdlr',
    0,
    0,
    fields([32, 0]),
    encoder.encode('vide'),
    zeros(12),
    encoder.encode('video\0'),
  );
  const avc1 = box(
    'avc1',
    zeros(6),
    fields([16, 1], [16, 0], [16, 0], [32, 0], [32, 0], [32, 0]),
    fields([16, width], [16, height], [32, 0x00480000], [32, 0x00480000], [32, 0], [16, 1]),
    zeros(32),
    fields([16, 0x18], [16, 0xffff]),
    box('avcC', config),
  );
  const stbl = box(
    'stbl',
    fullBox('stsd', 0, 0, fields([32, 1]), avc1),
    fullBox('stts', 0, 0, fields([32, 0])),
    fullBox('stsc', 0, 0, fields([32, 0])),
    fullBox('stsz', 0, 0, fields([32, 0], [32, 0])),
    fullBox('stco', 0, 0, fields([32, 0])),
  );
  const minf = box(
    'minf',
    fullBox('vmhd', 0, 1, zeros(8)),
    box('dinf', fullBox('dref', 0, 0, fields([32, 1]), fullBox('url ', 0, 1))),
    stbl,
  );
  const trak = box('trak', tkhd, box('mdia', mdhd, hdlr, minf));
  const mvex = box(
    'mvex',
    fullBox('trex', 0, 0, fields([32, 1], [32, 1], [32, 0], [32, 0], [32, 0])),
  );
  return concat(ftyp, box('moov', mvhd, trak, mvex));
}

/** moof + mdat for one frame: its access unit (`data`), decode time and duration in ms. */
export function mediaSegment({ sequence, timeMs, durationMs, keyframe, data }) {
  // A keyframe depends on nothing; any other frame depends on others and is not a sync sample.
  const flags = keyframe ? 0x02000000 : 0x01010000;
  const trunFlags = 0x000001 | 0x000100 | 0x000200 | 0x000400; // offset, duration, size, flags
  const moofFor = (dataOffset) =>
    box(
      'moof',
      fullBox('mfhd', 0, 0, fields([32, sequence])),
      box(
        'traf',
        fullBox('tfhd', 0, 0x020000, fields([32, 1])), // default-base-is-moof
        fullBox('tfdt', 1, 0, fields([64, timeMs])),
        fullBox(
          'trun',
          0,
          trunFlags,
          fields([32, 1], [32, dataOffset], [32, durationMs], [32, data.length], [32, flags]),
        ),
      ),
    );
  const moofSize = moofFor(0).length;
  return concat(moofFor(moofSize + 8), box('mdat', data));
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
