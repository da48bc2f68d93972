// The viewer's stream worker: owns the page's WebSocket, decodes the newest JPEG frame and draws
// it on the page's canvas (handed over as an OffscreenCanvas), so the page's main thread never
// touches a frame. Text messages are parsed here and passed to the page; the page's own messages
// come back through `send`. Plain browser JavaScript, served as is (see ../PROTOCOL.md).

let socket = null;
let url = '';
let retryMs = 500;
let canvas = null;
let renderer = null;
/** Server clock minus this clock, estimated from the server's timestamps. */
let clockOffsetMs = null;
let framesReceived = 0;

self.onmessage = ({ data }) => {
  if (data.type === 'start') {
    canvas = data.canvas;
    // A bitmaprenderer canvas takes each decoded frame over as it is, with no copy.
    renderer = canvas.getContext('bitmaprenderer');
    url = data.url;
    connect();
  } else if (data.type === 'send' && socket && socket.readyState === WebSocket.OPEN) {
    socket.send(data.text);
  }
};

function connect() {
  socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  socket.onopen = () => {
    retryMs = 500;
    self.postMessage({ type: 'open' });
  };
  socket.onclose = (event) => {
    self.postMessage({ type: 'close', code: event.code, reason: event.reason });
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 10000);
  };
  socket.onmessage = (event) => {
    if (typeof event.data === 'string') onText(event.data);
    else onFrame(event.data);
  };
}

// ---- text messages: noted here (clock, canvas size), then passed to the page ----

function noteServerTime(serverTimeMs) {
  // The smallest apparent delay is the best estimate of the clock difference.
  const offset = serverTimeMs - Date.now();
  clockOffsetMs = clockOffsetMs === null ? offset : Math.max(clockOffsetMs, offset);
}

function onText(text) {
  let message;
  try {
    message = JSON.parse(text);
  } catch {
    return;
  }
  if (message.type === 'hello') clockOffsetMs = null;
  if (message.type === 'hello' || message.type === 'stats') noteServerTime(message.serverTimeMs);
  // The canvas takes the working size (it changes with `--size auto`) before the first frame at
  // it; 0 means the source has not opened yet. CSS scales the canvas to the display size.
  if ((message.type === 'hello' || message.type === 'video') && message.width > 0) {
    resize(message.width, message.height);
  }
  self.postMessage({ type: 'message', message, clockOffsetMs });
}

function resize(width, height) {
  if (canvas.width === width && canvas.height === height) return;
  canvas.width = width;
  canvas.height = height;
}

// ---- frames: decode the newest, drop any that arrive while one is being decoded ----
// One decode at a time, and a frame that arrives meanwhile replaces any other waiting, so the
// page never falls behind the stream.

let decoding = false;
let newest = null;
const latin1 = new TextDecoder('latin1');

function readTag(bytes) {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff || bytes[3] !== 0xfe) return null;
  const length = (bytes[4] << 8) | bytes[5];
  const text = latin1.decode(bytes.subarray(6, 4 + length));
  if (!text.startsWith('stylecast ')) return null;
  try {
    return JSON.parse(text.slice('stylecast '.length));
  } catch {
    return null;
  }
}

function onFrame(buffer) {
  framesReceived++;
  newest = buffer;
  if (!decoding) void drawNewest();
}

async function drawNewest() {
  decoding = true;
  while (newest) {
    const buffer = newest;
    newest = null;
    const tag = readTag(new Uint8Array(buffer, 0, Math.min(buffer.byteLength, 256)));
    try {
      const bitmap = await createImageBitmap(new Blob([buffer], { type: 'image/jpeg' }));
      // A frame in flight across a size change has the old size: the canvas follows the frame.
      resize(bitmap.width, bitmap.height);
      renderer.transferFromImageBitmap(bitmap); // the canvas now owns the bitmap
      const latencyMs =
        tag && clockOffsetMs !== null ? Date.now() + clockOffsetMs - tag.captureMs : null;
      self.postMessage({ type: 'drawn', framesReceived, latencyMs, clockOffsetMs });
    } catch (error) {
      self.postMessage({ type: 'failed', message: `Could not draw a frame: ${error.message}` });
    }
  }
  decoding = false;
}
