/** Stylizes one still image (any format sharp reads) to PNG, JPEG or WebP. */
import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { assertReadableFile } from '../decode/probe.js';
import { throwIfAborted } from '../abort.js';
import { tooLarge } from '../decode/style-image.js';
import { workingSize, type Size } from '../decode/working-size.js';
import { prepareOutput } from '../encode/output-file.js';
import { imageFormat, type ImageWriter } from '../encode/output-formats.js';
import { StylecastError } from '../errors.js';
import { checkOptions, requiredText } from '../options/define-option.js';
import { renderOptions } from '../options/options.js';
import { assertOpenStylizer, type Stylizer } from '../stylizer/stylizer.js';
import type { StyleSettings } from '../types.js';
import { defaultStallMs, ProgressWatchdog } from '../progress-watchdog.js';

/** Each image format's sharp writer (the formats: src/encode/output-formats.ts). */
const WRITERS: Record<ImageWriter, (image: Sharp) => Sharp> = {
  png: (image) => image.png(),
  jpeg: (image) => image.jpeg({ quality: 92 }),
  webp: (image) => image.webp({ quality: 92 }),
};

export { MAX_IMAGE_PIXELS } from '../decode/style-image.js';

/** metadata() reports the stored size; a 90° EXIF turn swaps it. Refuses an image too large. */
function uprightSize(meta: Metadata, input: string): Size {
  const refused = tooLarge('Image', input, meta);
  if (refused) throw refused;
  const turned = (meta.orientation ?? 1) >= 5;
  return { width: turned ? meta.height : meta.width, height: turned ? meta.width : meta.height };
}

/** The size an image will be stylized at, read from its header: what `--precision auto` times at. */
export async function imageWorkingSize(input: string, limit?: Size): Promise<Size> {
  await assertReadableFile(input);
  try {
    return workingSize(
      uprightSize(await sharp(input, { failOn: 'error' }).metadata(), input),
      limit,
    );
  } catch (error) {
    if (error instanceof StylecastError) throw error;
    throw new StylecastError(
      'INPUT_NOT_IMAGE',
      `Not an image that can be read: ${input} (${(error as Error).message})`,
    );
  }
}

export interface RenderImageOptions {
  /** The image to stylize: any format sharp reads, up to 40 megapixels. */
  input: string;
  /** A `.png`, `.jpg` or `.webp` file. */
  output: string;
  /** The style: what `prepareStyle` returns. */
  style: StyleSettings;
  /**
   * Fit inside this size, aspect kept (README.md's option table).
   * @default the image's own size
   */
  size?: Size;
  /** Other files the run reads (style images, a config): the output may be none of them. */
  reads?: readonly string[];
  /** Stops the run: it rejects with the signal's reason and writes nothing. */
  signal?: AbortSignal;
  /** An inference worker that holds the image this long fails the run (`STALLED`); default 60 s. */
  stallMs?: number;
}

export interface RenderImageResult {
  width: number;
  height: number;
  output: string;
  seconds: number;
}

/** Stylizes `input` into `output`, written under a temporary name and renamed when complete. */
export async function renderImage(
  stylizer: Stylizer,
  options: RenderImageOptions,
): Promise<RenderImageResult> {
  const started = performance.now();
  const { size } = checkOptions({ size: renderOptions.size }, options);
  requiredText(options, 'input', 'an image file');
  requiredText(options, 'output', 'the file to write');
  assertOpenStylizer(stylizer);
  await assertReadableFile(options.input);
  const writer = WRITERS[imageFormat(options.output).writer];
  const output = await prepareOutput(options.output, [options.input, ...(options.reads ?? [])]);
  const watchdog = new ProgressWatchdog(options.stallMs ?? defaultStallMs(), () => {});
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    const image = sharp(options.input, { failOn: 'error' })
      .rotate()
      .removeAlpha()
      .toColourspace('srgb');
    const working = workingSize(uprightSize(await image.metadata(), options.input), size);
    decoded = await image
      .resize(working.width, working.height, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    if (error instanceof StylecastError) throw error;
    throw new StylecastError(
      'INPUT_NOT_IMAGE',
      `Not an image that can be read: ${options.input} (${(error as Error).message})`,
    );
  }
  const { width, height } = decoded.info;
  const data = new Uint8Array(
    decoded.data.buffer.slice(
      decoded.data.byteOffset,
      decoded.data.byteOffset + decoded.data.byteLength,
    ),
  );
  throwIfAborted(options.signal, `stylizing ${options.input}`);
  const [stylized] = await watchdog.watch(
    () => `an inference worker (stylizing ${options.input})`,
    stylizer.stylize([{ index: 0, ptsMs: 0, width, height, data }], [options.style]),
  );
  try {
    throwIfAborted(options.signal, `stylizing ${options.input}`);
    await writer(sharp(stylized!.data, { raw: { width, height, channels: 3 } })).toFile(
      output.tempPath,
    );
    await output.commit();
  } catch (error) {
    await output.discard();
    throw error instanceof StylecastError || options.signal?.aborted
      ? error
      : new StylecastError(
          'OUTPUT_WRITE_FAILED',
          `Could not write ${output.path}: ${(error as Error).message}`,
        );
  }
  return { width, height, output: output.path, seconds: (performance.now() - started) / 1000 };
}
