// Reads one binary message from the server (docs/protocol.md): a JPEG with its tag in a comment
// segment, or an H.264 frame message. Returns { codec, tag, config, data } or null.

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder();

export function readFrameMessage(buffer) {
  const bytes = new Uint8Array(buffer);
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    return { codec: 'jpeg', tag: readJpegTag(bytes), config: null, data: bytes };
  }
  if (latin1.decode(bytes.subarray(0, 4)) === 'H264') return readH264(bytes);
  return null;
}

function readJpegTag(bytes) {
  if (bytes[2] !== 0xff || bytes[3] !== 0xfe) return null;
  const length = (bytes[4] << 8) | bytes[5];
  const text = latin1.decode(bytes.subarray(6, 4 + length));
  if (!text.startsWith('stylecast ')) return null;
  try {
    return { ...JSON.parse(text.slice('stylecast '.length)), keyframe: true };
  } catch {
    return null;
  }
}

function readH264(bytes) {
  const tagEnd = 6 + ((bytes[4] << 8) | bytes[5]);
  let tag;
  try {
    tag = JSON.parse(utf8.decode(bytes.subarray(6, tagEnd)));
  } catch {
    return null;
  }
  const configEnd = tagEnd + (tag.configBytes ?? 0);
  return {
    codec: 'h264',
    tag,
    config: tag.configBytes ? bytes.subarray(tagEnd, configEnd) : null,
    data: bytes.subarray(configEnd),
  };
}
