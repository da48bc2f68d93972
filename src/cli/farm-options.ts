/** The options of a render farm (`stylecast worker` and `stylecast render --farm`). */
import { Option } from 'commander';
import { StylecastError } from '../errors.js';
import { farmRedisOptions } from '../farm/farm-connection.js';
import { integerOption, positiveOption } from '../options/define-option.js';
import { LIMITS } from '../options/options.js';
import { flagOf } from './options.js';

/** An hour: longer than any wait or chunk that makes sense, short of a typo's millions. */
const MAX_SECONDS = 3600;

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
    flagOf(
      positiveOption({
        name: 'farmWait',
        argument: '<s>',
        description: "how long to wait for the farm's Redis when it is lost",
        min: 1, // a lock or a wait shorter than a second is lost to one slow answer
        max: MAX_SECONDS,
        default: 30,
      }),
    ),
  farmDir: () =>
    new Option('--farm-dir <dir>', 'the folder every farm machine shares (NFS, SMB, a volume)'),
  chunkSeconds: () =>
    flagOf(
      positiveOption({
        name: 'chunkSeconds',
        argument: '<s>',
        description: 'length of each farm chunk in seconds',
        max: MAX_SECONDS,
        default: 10,
      }),
    ),
  concurrency: () =>
    flagOf(
      integerOption({
        name: 'concurrency',
        description: 'chunks this worker renders at once',
        min: 1,
        max: LIMITS.workers,
        default: 1,
      }),
    ),
  stallSeconds: () =>
    flagOf(
      positiveOption({
        name: 'stallSeconds',
        argument: '<s>',
        description: "how long a silent worker's chunk waits before another worker takes it up",
        min: 1, // a lock or a wait shorter than a second is lost to one slow answer
        max: MAX_SECONDS,
        default: 30,
      }),
    ),
};
