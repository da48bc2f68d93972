// Draws the newest picture on the page's canvas (an OffscreenCanvas in the stream worker), one at
// a time: a picture that arrives while one is being prepared replaces any other waiting, so the
// page never falls behind. A picture is a JPEG's bytes or a decoded VideoFrame; either becomes an
// ImageBitmap that the `bitmaprenderer` canvas takes over as it is, with no copy.

export class CanvasDrawer {
  constructor(canvas, onDrawn, onFailed) {
    this.canvas = canvas;
    this.renderer = canvas.getContext('bitmaprenderer');
    this.onDrawn = onDrawn;
    this.onFailed = onFailed;
    this.busy = false;
    this.waiting = null;
  }

  /** `source` is a Blob or a VideoFrame (closed here once drawn or replaced). */
  draw(source, tag) {
    if (this.waiting) closeSource(this.waiting.source);
    this.waiting = { source, tag };
    if (!this.busy) void this.drawWaiting();
  }

  resize(width, height) {
    if (this.canvas.width === width && this.canvas.height === height) return;
    this.canvas.width = width;
    this.canvas.height = height;
  }

  async drawWaiting() {
    this.busy = true;
    while (this.waiting) {
      const { source, tag } = this.waiting;
      this.waiting = null;
      try {
        const bitmap = await createImageBitmap(source);
        // A frame in flight across a size change has the old size: the canvas follows the frame.
        this.resize(bitmap.width, bitmap.height);
        this.renderer.transferFromImageBitmap(bitmap); // the canvas now owns the bitmap
        this.onDrawn(tag);
      } catch (error) {
        this.onFailed(`Could not draw a frame: ${error.message}`);
      } finally {
        closeSource(source);
      }
    }
    this.busy = false;
  }
}

function closeSource(source) {
  if (typeof source.close === 'function') source.close();
}
