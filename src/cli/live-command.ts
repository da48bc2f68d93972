/**
 * `stylecast live`: a camera, stream, file or test pattern stylized live and watched in a browser.
 * Its options are defined once, in src/options/options.ts.
 */
import { readdir } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { extname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { describeLiveSource } from '../decode/live-source.js';
import { StylecastError } from '../errors.js';
import type { OptionsOf, ResolvedOptions } from '../options/define-option.js';
import { liveOptions, poolOptions, styleOptions } from '../options/options.js';
import { nominalLiveSize, startLive } from '../live/live-pipeline.js';
import type { PublishStatus } from '../publish/stream-publisher.js';
import type { SourceStatus } from '../live/live-types.js';
import { alphaLevelsProblem } from '../style-values.js';
import { refuseInputAsOutput } from '../encode/output-file.js';
import { StyleGallery } from '../stream/style-gallery.js';
import { loadTlsCredentials } from '../stream/tls-credentials.js';
import { loadSchedule } from '../schedule/load-schedule.js';
import { warningLines } from '../schedule/schedule-problem.js';
import type { CommandContext } from './command-context.js';
import { applyConfigFile } from './config-file.js';
import { DEFAULT_STYLE, stylesOrDefault } from '../stylizer/default-style.js';
import { openStylizer } from '../stylizer/open-stylizer.js';
import { scheduleStyle } from '../stylizer/prepare-style.js';
import { describeRuntime } from './describe-runtime.js';
import { liveFlags, options } from './options.js';
import { Reporter } from './reporter.js';

const IMAGE_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.avif',
]);
/** Most images taken from a `--gallery` folder. */
const GALLERY_MAX = 64;

/** What commander hands the action: the shared options resolved, plus the CLI's own. */
type LiveFlags = ResolvedOptions<typeof liveOptions> &
  ResolvedOptions<typeof poolOptions> &
  OptionsOf<typeof styleOptions> & {
    schedule?: string;
    gallery?: string;
    quiet?: boolean;
    json?: boolean;
  };

async function galleryImages(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true }).catch((error: Error) => {
    throw new StylecastError(
      'INPUT_NOT_FOUND',
      `Cannot read the gallery folder ${folder}: ${error.message}`,
    );
  });
  return entries
    .filter((entry) => entry.isFile() && IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase()))
    .map((entry) => join(folder, entry.name))
    .sort()
    .slice(0, GALLERY_MAX);
}

/** The page's URL on each network address, for a server listening on all of them. */
export function networkUrls(url: string, host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [];
  const page = new URL(url);
  return Object.values(networkInterfaces())
    .flat()
    .filter((address) => address && !address.internal && address.family === 'IPv4')
    .map((address) => {
      page.hostname = address!.address;
      return page.href;
    });
}

/** The page's URL under each name its HTTPS certificate is for (wildcards and localhost aside). */
export function certifiedUrls(url: string, hostNames: readonly string[]): string[] {
  const page = new URL(url);
  return hostNames
    .filter((name) => !name.startsWith('*.') && name !== 'localhost')
    .map((name) => {
      page.hostname = name;
      return page.href;
    });
}

function describePublish(status: PublishStatus): string {
  if (status.state === 'live') return `Publishing to ${status.target}`;
  return `Publishing to ${status.target} failed (${status.message}); retry ${status.attempt} in ${(status.retryInMs / 1000).toFixed(1)} s`;
}

function describeSource(status: SourceStatus): string {
  switch (status.state) {
    case 'live':
      return 'Source is live again';
    case 'retrying':
      return `Source unavailable (${status.message ?? 'unknown'}); retry ${status.attempt} in ${((status.retryInMs ?? 0) / 1000).toFixed(1)} s`;
    case 'lost':
      return `Source lost: ${status.message ?? 'unknown'}`;
    case 'ended':
      return `Source ended${status.message ? ` (${status.message})` : ''}`;
  }
}

export function registerLiveCommand(program: Command, context: CommandContext): Command {
  return program
    .command('live')
    .description('stylize a webcam or live stream and watch it in a browser')
    .addOption(liveFlags.input())
    .addOption(options.style())
    .addOption(liveFlags.gallery())
    .addOption(options.alpha())
    .addOption(options.preserveColor())
    .addOption(options.schedule())
    .addOption(options.liveSize())
    .addOption(liveFlags.fps())
    .addOption(liveFlags.cameraFormat())
    .addOption(liveFlags.loop())
    .addOption(liveFlags.retry())
    .addOption(liveFlags.host())
    .addOption(liveFlags.port())
    .addOption(liveFlags.token())
    .addOption(liveFlags.allowOrigin())
    .addOption(liveFlags.tlsCert())
    .addOption(liveFlags.tlsKey())
    .addOption(liveFlags.record())
    .addOption(liveFlags.publish())
    .addOption(liveFlags.maxUpload())
    .addOption(liveFlags.quality())
    .addOption(liveFlags.viewerCodec())
    .addOption(liveFlags.bitrate())
    .addOption(options.model())
    .addOption(options.device())
    .addOption(options.precision())
    .addOption(options.workers())
    .addOption(options.threads())
    .addOption(options.quiet())
    .addOption(options.json())
    .addOption(options.config())
    .action(async (_flags: LiveFlags, self: Command) => {
      const configFile = await applyConfigFile(self);
      const flags = self.opts<LiveFlags>();
      const reporter = new Reporter(flags);
      const choices = stylesOrDefault(flags.style);
      const chosen = new Set(choices.map((choice) => resolve(choice.path)));
      const paths = [
        ...new Set([
          ...chosen,
          ...(flags.gallery ? await galleryImages(flags.gallery) : []),
          resolve(DEFAULT_STYLE),
        ]),
      ];
      // A bad file among the gallery's is left out with a warning; a bad --style is an error.
      const gallery = await StyleGallery.fromFiles(
        paths,
        { maxUploadBytes: flags.maxUpload * 1024 * 1024, maxUploads: 16 },
        (path, problem) => {
          if (chosen.has(path)) return false;
          reporter.info(`Warning: ${problem.message}; left out of the gallery`);
          return true;
        },
      );
      const nameOf = (path: string): string =>
        gallery.names().find((name) => gallery.get(name)?.path === resolve(path))!;
      // Checked (every problem, every image) before the model loads; times count from the start.
      const scheduled = flags.schedule ? await loadSchedule(flags.schedule) : undefined;
      for (const line of warningLines(scheduled?.warnings ?? [])) reporter.info(line);
      // Checked before the model loads, as the server will read them.
      const tls = await loadTlsCredentials(flags);
      const reads = [
        configFile,
        flags.schedule,
        flags.tlsCert,
        flags.tlsKey,
        ...(scheduled?.schedule.images ?? []),
      ].filter((path) => path !== undefined);
      if (flags.record) {
        const source = flags.input.kind === 'file' ? flags.input.path : undefined;
        await refuseInputAsOutput(flags.record, [source, ...paths, ...reads]);
      }
      // The source's size is known only once it opens: time precisions at the size it will likely have.
      const stylizer = await openStylizer({
        ...flags,
        frameSize: nominalLiveSize(flags.size),
        signal: context.signal,
      });
      try {
        const alphaProblem = alphaLevelsProblem(flags.alpha ?? 1, stylizer.model.card.levels);
        if (alphaProblem) throw new StylecastError('BAD_OPTION', alphaProblem);
        const styleFor = scheduled ? await scheduleStyle(stylizer, scheduled.schedule) : undefined;
        const run = await startLive(stylizer, {
          styleFor,
          source: flags.input,
          loop: flags.loop,
          size: flags.size,
          fps: flags.fps,
          cameraFormat: flags.cameraFormat,
          gallery,
          settings: {
            styles: choices.map((choice) => ({ name: nameOf(choice.path), weight: choice.weight })),
            alpha: flags.alpha ?? 1,
            preserveColor: Boolean(flags.preserveColor),
          },
          server: {
            host: flags.host,
            port: flags.port,
            token: flags.token,
            allowedOrigins: flags.allowOrigin ?? [],
            tlsCert: flags.tlsCert,
            tlsKey: flags.tlsKey,
            // One upload at the limit, base64-encoded, plus the JSON around it.
            maxMessageBytes: Math.ceil((flags.maxUpload * 1024 * 1024 * 4) / 3) + 64 * 1024,
          },
          retry: flags.retry,
          quality: flags.quality,
          viewerCodec: flags.viewerCodec,
          bitrate: flags.bitrate,
          record: flags.record,
          publish: flags.publish,
          onPublish: (status) => reporter.info(describePublish(status)),
          reads,
          signal: context.signal,
          onSource: (status) => reporter.info(describeSource(status)),
        });
        const { width, height, fps } = run.video;
        if (flags.json)
          process.stdout.write(`${JSON.stringify({ url: run.url, width, height, fps })}\n`);
        else if (!flags.quiet) process.stdout.write(`${run.url}\n`);
        const format =
          width > 0
            ? `${width}x${height} at ${fps} fps`
            : `waiting for ${describeLiveSource(flags.input)}`;
        reporter.info(
          `Live at ${run.url} — ${format}, model ${stylizer.model.card.name} on ${describeRuntime(stylizer)}. Ctrl-C stops.`,
        );
        for (const other of networkUrls(run.url, flags.host)) reporter.info(`Also at ${other}`);
        for (const named of certifiedUrls(run.url, tls?.hostNames ?? []))
          reporter.info(`Also at ${named}`);
        const summary = await run.done;
        reporter.result(
          { ...summary, ...(flags.record ? { record: resolve(flags.record) } : {}) },
          `Stopped (${summary.reason}): ${summary.sentFrames} frames sent, ${summary.drops} dropped` +
            (flags.record ? `; recorded ${resolve(flags.record)}` : '') +
            (summary.published ?? [])
              .map((sent) => `; published ${sent.frames} frames to ${sent.target}`)
              .join(''),
        );
      } finally {
        await stylizer.close();
      }
    });
}
