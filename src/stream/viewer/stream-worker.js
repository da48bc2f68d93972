// The viewer's stream worker: owns the page's WebSocket, tells the server which codecs it
// decodes, and shows each frame without the page's main thread touching it — H.264 through
// WebCodecs onto the page's canvas (handed over as an OffscreenCanvas) where the page is a secure
// context, else H.264 through MSE (the page attaches the MediaSource to a <video>), else JPEG
// decoded onto the canvas. Text messages are parsed here and passed to the page; the page's own
// messages come back through `send`. Plain browser JavaScript, served as is (see docs/protocol.md).

import { CanvasDrawer } from './canvas-drawer.js';
import { readFrameMessage } from './frame-message.js';
import { mseDecodesH264, MsePlayer } from './mse-player.js';
import { webCodecsDecodesH264, WebCodecsPlayer } from './webcodecs-player.js';

let socket = null;
let url = '';
let retryMs = 500;
let drawer = null;
/** How this worker decodes H.264: 'webcodecs', 'mse', or null (JPEG only). */
let h264Decoder = null;
let h264Player = null;
/** Server clock minus this clock, estimated from the server's timestamps. */
let clockOffsetMs = null;
let framesReceived = 0;
let bytesReceived = 0;
let fps = 0;

self.onmessage = async ({ data }) => {
  if (data.type === 'start') {
    drawer = new CanvasDrawer(data.canvas, onDrawn, (message) => fail(message));
    url = data.url;
    h264Decoder = await chooseH264Decoder(data.decoder);
    self.postMessage({ type: 'decoder', decoder: h264Decoder ?? 'jpeg' });
    connect();
  } else if (data.type === 'send' && socket && socket.readyState === WebSocket.OPEN) {
    socket.send(data.text);
  }
};

/** WebCodecs, then MSE; `wanted` (the page's `?decoder=`) may rule either out. */
async function chooseH264Decoder(wanted) {
  if ((!wanted || wanted === 'webcodecs') && (await webCodecsDecodesH264())) return 'webcodecs';
  if ((!wanted || wanted === 'mse') && mseDecodesH264()) return 'mse';
  return null;
}

function fail(message) {
  self.postMessage({ type: 'failed', message });
}

function connect() {
  socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  socket.onopen = () => {
    retryMs = 500;
    socket.send(
      JSON.stringify({ type: 'codecs', codecs: h264Decoder ? ['h264', 'jpeg'] : ['jpeg'] }),
    );
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

// ---- text messages: noted here (clock, canvas size, rate), then passed to the page ----

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
    drawer.resize(message.width, message.height);
    fps = message.fps;
    h264Player?.setFps?.(fps);
  }
  self.postMessage({ type: 'message', message, clockOffsetMs });
}

// ---- frames ----

function onFrame(buffer) {
  framesReceived++;
  bytesReceived += buffer.byteLength;
  const frame = readFrameMessage(buffer);
  if (!frame) return fail('The server sent a frame this page cannot read');
  // Received: the server paces this page's frames by these, so a slow link never queues seconds.
  if (frame.tag) socket.send(JSON.stringify({ type: 'ack', index: frame.tag.index }));
  if (frame.codec === 'jpeg') {
    drawer.draw(new Blob([frame.data], { type: 'image/jpeg' }), frame.tag);
  } else if (frame.codec === 'h264' && h264Decoder) {
    h264Player ??= createH264Player();
    const mediaTimeMs = h264Player.push(frame);
    // MSE's frames are shown by the page's <video>: it needs each one's capture time.
    if (h264Decoder === 'mse' && mediaTimeMs !== null && frame.tag) {
      const { captureMs } = frame.tag;
      self.postMessage({ type: 'queued', mediaTimeMs, captureMs, framesReceived, bytesReceived });
    }
  }
}

function createH264Player() {
  if (h264Decoder === 'webcodecs') return new WebCodecsPlayer(drawer, fail);
  const player = new MsePlayer((message, transfer) => self.postMessage(message, transfer), fail);
  player.setFps(fps);
  return player;
}

/** A frame reached the canvas (the page counts MSE's frames itself, as its <video> shows them). */
function onDrawn(tag) {
  const latencyMs =
    tag && clockOffsetMs !== null ? Date.now() + clockOffsetMs - tag.captureMs : null;
  self.postMessage({ type: 'drawn', framesReceived, bytesReceived, latencyMs, clockOffsetMs });
}
