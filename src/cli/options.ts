/**
 * Every CLI option, defined once: flag, description, parser (which validates). Commands pick the
 * ones they take. Values resolve in one order: flag, then config file, then default.
 */
import { InvalidArgumentError, Option } from 'commander';
import { parseSizeOption, type Size } from '../decode/working-size.js';
import { parsePrecision, PRECISIONS } from '../infer/choose-precision.js';
import { DEVICES, parseDevice } from '../infer/execution-provider.js';
import { DEFAULT_MODEL } from '../infer/find-model.js';
import { parseStyleOption, type StyleChoice } from '../infer/parse-style-option.js';
import { ALPHA_RULE, isStrength, parseDecimal, parseWhole } from '../style-values.js';

/** Commander shows a parser's RangeError/TypeError as "option '--x' argument 'y' is invalid. …". */
export function parser<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

/**
 * Bounds that a 24 GB machine survives: `--batch 256` at 640x360 was seen peaking at 9.8 GB (about
 * 38 MB a frame), so 16 keeps even 1080p batches within a few GB; more threads or workers than
 * this only contend for the same cores.
 */
export const LIMITS = { workers: 64, threads: 64, batch: 16 } as const;

export function integer(name: string, min: number, max: number): (text: string) => number {
  return parser((text) => {
    const value = parseWhole(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(
        `Expected \`${name}\` to be an integer from ${min} to ${max}, got \`${text}\``,
      );
    }
    return value;
  });
}

/** `0.7` for every level, or `0.2,0.5,1` one per level. */
export function parseAlpha(text: string): number | number[] {
  const values = text.split(',').map(parseDecimal);
  for (const [i, value] of values.entries()) {
    if (!isStrength(value)) {
      throw new RangeError(
        `Expected \`alpha\` to be ${ALPHA_RULE}, got \`${text.split(',')[i]?.trim()}\``,
      );
    }
  }
  return values.length === 1 ? values[0]! : values;
}

const collectStyles = (text: string, previous: StyleChoice[] | undefined): StyleChoice[] => [
  ...(previous ?? []),
  parser(parseStyleOption)(text),
];

export const options = {
  output: () => new Option('-o, --output <file>', 'where to write the result'),
  style: () =>
    new Option(
      '-s, --style <image[@weight]>',
      'style image; repeat to blend, weights after @ (default: the bundled sample style)',
    ).argParser(collectStyles),
  alpha: () =>
    new Option(
      '-a, --alpha <0..1>',
      'style strength: one number, or one per model level (0.2,0.6,1)',
    ).argParser(parser(parseAlpha)),
  preserveColor: () =>
    new Option(
      '--preserve-color',
      "keep the content's colours; take the style's texture and contrast",
    ),
  schedule: () =>
    new Option(
      '--schedule <file>',
      'a style for each part of the video: a JSON or YAML schedule (see `stylecast schedule check`)',
    ).conflicts(['style', 'alpha', 'preserveColor']),
  size: () =>
    new Option(
      '--size <WxH|Np>',
      'working size, aspect kept: 1280x720 fits inside, 720p sets the height',
    ).argParser(parser(parseSizeOption)),
  liveSize: () =>
    new Option(
      '--size <WxH|Np|auto>',
      'working size, aspect kept: 1280x720 fits inside, 720p sets the height; auto steps it down and up to keep up with the source',
    )
      .argParser(
        parser((text): Size | 'auto' => (text === 'auto' ? 'auto' : parseSizeOption(text))),
      )
      .default('auto'),
  model: () => new Option('-m, --model <name|path>', 'model name or folder').default(DEFAULT_MODEL),
  device: () =>
    new Option('-d, --device <device>', 'execution provider')
      .choices(DEVICES)
      .default('auto')
      .argParser(parser(parseDevice)),
  precision: () =>
    new Option(
      '--precision <precision>',
      "stylizer graph: fp32, the model's int8 variant (CPU only), or auto: int8 where it measured faster on this CPU",
    )
      .choices(PRECISIONS)
      .default('auto')
      .argParser(parser(parsePrecision)),
  workers: () =>
    new Option(
      '--workers <n>',
      `inference worker threads, 1 to ${LIMITS.workers} (default: chosen for this machine)`,
    ).argParser(integer('workers', 1, LIMITS.workers)),
  threads: () =>
    new Option(
      '--threads <n>',
      `ONNX Runtime threads per worker, 1 to ${LIMITS.threads} (default: chosen for this machine)`,
    ).argParser(integer('threads', 1, LIMITS.threads)),
  batch: () =>
    new Option('--batch <n>', `frames per inference call, 1 to ${LIMITS.batch}`)
      .argParser(integer('batch', 1, LIMITS.batch))
      .default(1),
  lossless: () => new Option('--lossless', 'write every pixel exactly (FFV1 in .mkv)'),
  preset: () =>
    new Option('--preset <name>', 'x264 preset for H.264 outputs')
      .choices([
        'ultrafast',
        'superfast',
        'veryfast',
        'faster',
        'fast',
        'medium',
        'slow',
        'slower',
        'veryslow',
      ])
      .default('veryfast'),
  quiet: () => new Option('-q, --quiet', 'print nothing but errors'),
  json: () => new Option('--json', 'print one JSON object with the results when done'),
  verbose: () => new Option('--verbose', 'print stack traces with errors'),
  config: () =>
    new Option(
      '--config <file>',
      'JSON file of option values (default: ./stylecast.config.json if present)',
    ),
};
