/** The options of a render farm (`stylecast worker` and `stylecast render --farm`). */
import { Option } from 'commander';
import { StylecastError } from '../errors.js';
import { farmRedisOptions } from '../farm/farm-connection.js';
import { integer, LIMITS, parser } from './options.js';

function positiveNumber(name: string): (text: string) => number {
  return parser((text) => {
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0)
      throw new RangeError(`Expected \`${name}\` to be a positive number, got \`${text}\``);
    return value;
  });
}

export const farmOptions = {
  farm: () =>
    new Option(
      '--farm <url>',
      "the render farm's Redis: redis://[:password@]host:port, or rediss:// for TLS",
    ).argParser((text) => {
      try {
        farmRedisOptions(text); // validates
      } catch (error) {
        // Not commander's own error: it would repeat the argument, password and all.
        throw new StylecastError('BAD_OPTION', (error as Error).message);
      }
      return text;
    }),
  farmCa: () =>
    new Option(
      '--farm-ca <file>',
      "PEM certificate authority of a rediss:// farm's certificate (e.g. a self-signed one)",
    ),
  farmWait: () =>
    new Option('--farm-wait <s>', "how long to wait for the farm's Redis when it is lost")
      .argParser(positiveNumber('farm-wait'))
      .default(30),
  farmDir: () =>
    new Option('--farm-dir <dir>', 'the folder every farm machine shares (NFS, SMB, a volume)'),
  chunkSeconds: () =>
    new Option('--chunk-seconds <s>', 'length of each farm chunk in seconds')
      .argParser(positiveNumber('chunk-seconds'))
      .default(10),
  concurrency: () =>
    new Option('--concurrency <n>', `chunks this worker renders at once, 1 to ${LIMITS.workers}`)
      .argParser(integer('concurrency', 1, LIMITS.workers))
      .default(1),
  stallSeconds: () =>
    new Option(
      '--stall-seconds <s>',
      "how long a silent worker's chunk waits before another worker takes it up",
    )
      .argParser(positiveNumber('stall-seconds'))
      .default(30),
};
