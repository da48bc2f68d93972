// The stylecast live viewer: shows the stream (decoded off the main thread by ./stream-worker.js:
// on the canvas, or, for H.264 through MSE, in a <video> the worker's MediaSource feeds), its stats
// and size, and sends style changes. Plain browser JavaScript, served as is (see docs/protocol.md).

const $ = (id) => document.getElementById(id);
const canvas = $('video');
const video = $('video-mse');
const query = new URLSearchParams(location.search);
const token = query.get('token');
const LATENCY_WINDOW = 2000;
/** MSE playback behind the newest frame by more than this speeds up; by more than the jump, jumps. */
const MSE_CATCH_UP_LAG_S = 0.12;
const MSE_JUMP_LAG_S = 1;
/** Capture times kept for frames queued to MSE, by media time. */
const MSE_TIMES_KEPT = 300;

/** State the page exposes for tests and the benchmark (read-only for them). */
const state = {
  connected: false,
  hello: null,
  settings: null,
  gallery: [],
  source: null,
  stats: null,
  errors: [],
  framesReceived: 0,
  bytesReceived: 0,
  framesDrawn: 0,
  /** How H.264 is decoded here: 'webcodecs', 'mse', or 'jpeg' (JPEG only). */
  decoder: null,
  /** The codec the server sends this page. */
  codec: null,
  /** Capture-to-draw latencies of the last frames drawn, ms. */
  drawLatencies: [],
  /** Server clock minus this clock, estimated from the server's timestamps. */
  clockOffsetMs: null,
};
window.stylecast = state;

// ---- the stream: a worker owns the socket and draws the frames (./stream-worker.js) ----

const stream = new Worker('stream-worker.js', { type: 'module' });
if (!canvas.transferControlToOffscreen) {
  showError('This browser cannot draw off its main thread (no OffscreenCanvas): use a newer one.');
} else {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const tokenQuery = token === null ? '' : `?token=${encodeURIComponent(token)}`;
  const offscreen = canvas.transferControlToOffscreen();
  stream.postMessage(
    {
      type: 'start',
      url: `${scheme}//${location.host}/ws${tokenQuery}`,
      canvas: offscreen,
      // `?decoder=webcodecs|mse|jpeg` limits how this page decodes (to compare them).
      decoder: query.get('decoder'),
    },
    [offscreen],
  );
}

stream.onmessage = ({ data }) => {
  switch (data.type) {
    case 'open':
      state.connected = true;
      $('connection').textContent = 'connected';
      break;
    case 'close':
      state.connected = false;
      $('connection').textContent =
        `disconnected (${data.code}${data.reason ? `: ${data.reason}` : ''}); retrying…`;
      break;
    case 'message':
      state.clockOffsetMs = data.clockOffsetMs;
      onMessage(data.message);
      break;
    case 'decoder':
      state.decoder = data.decoder;
      break;
    case 'drawn':
      state.framesReceived = data.framesReceived;
      state.bytesReceived = data.bytesReceived;
      noteDrawn(1, data.latencyMs);
      break;
    case 'mse':
      playMse(data.handle);
      break;
    case 'queued':
      state.framesReceived = data.framesReceived;
      state.bytesReceived = data.bytesReceived;
      mse.captureTimes.set(data.mediaTimeMs, data.captureMs);
      if (mse.captureTimes.size > MSE_TIMES_KEPT) {
        mse.captureTimes.delete(mse.captureTimes.keys().next().value);
      }
      break;
    case 'failed':
      showError(data.message);
      break;
  }
};
stream.onerror = (event) => showError(`The stream worker failed: ${event.message}`);

function noteDrawn(count, latencyMs) {
  state.framesDrawn += count;
  if (latencyMs !== null) {
    state.drawLatencies.push(latencyMs);
    if (state.drawLatencies.length > LATENCY_WINDOW) state.drawLatencies.shift();
  }
}

// ---- H.264 through MSE: the worker's MediaSource plays in the <video> ----

const mse = { captureTimes: new Map(), presented: 0 };

function playMse(handle) {
  video.srcObject = handle;
  canvas.hidden = true;
  video.hidden = false;
  video.play().catch((error) => showError(`Could not play the stream: ${error.message}`));
  video.requestVideoFrameCallback(onVideoFrame);
  // Also while nothing is shown (a stall shows no frames to call back for).
  setInterval(keepAtLiveEdge, 250);
}

/** Each frame the <video> shows: counted, its latency taken from its capture time. */
function onVideoFrame(now, metadata) {
  const count = metadata.presentedFrames - mse.presented;
  mse.presented = metadata.presentedFrames;
  const captureMs = mse.captureTimes.get(Math.round(metadata.mediaTime * 1000));
  const latencyMs =
    captureMs !== undefined && state.clockOffsetMs !== null
      ? Date.now() + state.clockOffsetMs - captureMs
      : null;
  noteDrawn(count, latencyMs);
  keepAtLiveEdge();
  video.requestVideoFrameCallback(onVideoFrame);
}

/**
 * A live stream plays its newest frames: playback that lags the buffered end speeds up until it
 * has caught up, and jumps when far behind or stuck outside the newest buffered range.
 */
function keepAtLiveEdge() {
  const { buffered } = video;
  if (buffered.length === 0) return;
  const start = buffered.start(buffered.length - 1);
  const end = buffered.end(buffered.length - 1);
  const lag = end - video.currentTime;
  if (lag > MSE_JUMP_LAG_S || video.currentTime < start) {
    video.currentTime = Math.max(start, end - 0.05);
    return;
  }
  video.playbackRate = lag > MSE_CATCH_UP_LAG_S ? 1.5 : 1;
}

function send(message) {
  stream.postMessage({ type: 'send', text: JSON.stringify(message) });
}

// ---- text messages ----

function onMessage(message) {
  switch (message.type) {
    case 'hello':
      state.hello = message;
      state.codec = message.codec;
      showStream();
      showVideo(message);
      showGallery(message.gallery);
      showSettings(message.settings);
      showSource(message.source);
      break;
    case 'video':
      showVideo(message);
      break;
    case 'codec':
      state.codec = message.codec;
      showStream();
      break;
    case 'settings':
      showSettings(message.settings);
      break;
    case 'gallery':
      showGallery(message.gallery);
      if (state.settings) showSettings(state.settings);
      break;
    case 'source':
      showSource(message.source);
      break;
    case 'stats':
      showStats(message);
      break;
    case 'error':
      state.errors.push(message);
      showError(message.message);
      break;
  }
}

/** The working size (it changes with `--size auto`); 0 means the source has not opened yet. */
function showVideo({ width, height }) {
  if (width > 0 && height > 0) $('stat-size').textContent = `${width}×${height}`;
}

/** The codec (for H.264, how this page decodes it) and the bit rate it arrives at. */
function showStream() {
  const how = { webcodecs: 'WebCodecs', mse: 'MSE' }[state.decoder];
  const codec =
    state.codec === 'h264' ? `H.264 (${how ?? '?'})` : state.codec === 'jpeg' ? 'JPEG' : '–';
  const rate = state.stats ? `, ${state.stats.viewerMbps} Mbit/s` : '';
  $('stat-stream').textContent = codec + rate;
}

function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function showStats(stats) {
  state.stats = stats;
  const draw = percentile(state.drawLatencies.slice(-60), 50);
  $('stat-fps').textContent =
    `${stats.viewerFps.toFixed(1)} (stylized ${stats.fps.toFixed(1)}, source ${stats.sourceFps.toFixed(1)})`;
  $('stat-latency').textContent =
    `${draw === null ? '–' : Math.round(draw)} ms to screen, ${Math.round(stats.latencyMs.p50)} ms to send`;
  $('stat-drops').textContent = `${stats.drops} stale, ${stats.viewerSkipped} skipped here`;
  showStream();
  $('stat-viewers').textContent = String(stats.viewers);
}

function showSource(source) {
  state.source = source;
  const banner = $('source');
  const text = {
    live: '',
    lost: `Source lost${source.message ? `: ${source.message}` : ''}`,
    retrying: `Source unavailable${source.message ? ` (${source.message})` : ''}; retrying (attempt ${source.attempt ?? '?'})…`,
    ended: `Source ended${source.message ? `: ${source.message}` : ''}`,
  }[source.state];
  banner.textContent = text ?? '';
  banner.hidden = !text;
}

function showError(text) {
  const box = $('error');
  box.textContent = text;
  box.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => (box.hidden = true), 5000);
}

// ---- controls ----

function weightsFromSliders() {
  return [...document.querySelectorAll('#gallery input[type=range]')]
    .map((input) => ({ name: input.dataset.name, weight: Number(input.value) }))
    .filter((entry) => entry.weight > 0);
}

function showGallery(gallery) {
  state.gallery = gallery;
  const list = $('gallery');
  list.replaceChildren();
  for (const item of gallery) {
    const li = document.createElement('li');
    li.dataset.name = item.name;
    const button = document.createElement('button');
    button.type = 'button';
    button.title = `Use ${item.name} alone`;
    const image = document.createElement('img');
    image.src = item.thumbnail;
    image.alt = item.name;
    button.append(image);
    button.addEventListener('click', () =>
      send({ type: 'style', styles: [{ name: item.name, weight: 1 }] }),
    );
    const slider = document.createElement('input');
    slider.type = 'range';
    slider.min = '0';
    slider.max = '1';
    slider.step = '0.05';
    slider.value = '0';
    slider.dataset.name = item.name;
    slider.setAttribute('aria-label', `${item.name} weight`);
    slider.addEventListener('change', () => {
      const styles = weightsFromSliders();
      send({ type: 'style', styles });
    });
    const label = document.createElement('small');
    label.textContent = item.name;
    li.append(button, slider, label);
    list.append(li);
  }
}

function showSettings(settings) {
  state.settings = settings;
  const weights = new Map(settings.styles.map((entry) => [entry.name, entry.weight]));
  const total = settings.styles.reduce((sum, entry) => sum + entry.weight, 0) || 1;
  for (const li of document.querySelectorAll('#gallery li')) {
    const weight = weights.get(li.dataset.name) ?? 0;
    li.classList.toggle('active', weight > 0);
    li.querySelector('input').value = String(weight / total);
  }
  // A per-level alpha shows every level; the slider sits at their mean and sets one for all.
  const alphas = Array.isArray(settings.alpha) ? settings.alpha : [settings.alpha];
  const mean = alphas.reduce((sum, value) => sum + value, 0) / alphas.length;
  if (document.activeElement !== $('alpha')) $('alpha').value = String(mean);
  $('alpha-value').textContent = alphas.map((value) => value.toFixed(2)).join(' · ');
  $('preserve-color').checked = settings.preserveColor;
}

let alphaTimer = null;
$('alpha').addEventListener('input', () => {
  $('alpha-value').textContent = Number($('alpha').value).toFixed(2);
  if (alphaTimer) return;
  alphaTimer = setTimeout(() => {
    alphaTimer = null;
    send({ type: 'alpha', alpha: Number($('alpha').value) });
  }, 50);
});
$('preserve-color').addEventListener('change', () =>
  send({ type: 'preserveColor', preserveColor: $('preserve-color').checked }),
);
$('unstyled').addEventListener('click', () => send({ type: 'style', styles: [] }));
$('upload').addEventListener('change', () => {
  const file = $('upload').files[0];
  if (!file) return;
  const reader = new FileReader();
  reader.onload = () => {
    const name =
      file.name
        .replace(/\.[^.]*$/, '')
        .replace(/[^\w.-]+/g, '-')
        .slice(0, 64) || undefined;
    send({ type: 'style', styles: [{ upload: reader.result, name, weight: 1 }] });
    $('upload').value = '';
  };
  reader.readAsDataURL(file);
});
