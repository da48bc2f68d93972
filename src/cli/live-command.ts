/**
 * `stylecast live`: a camera, stream, file or test pattern stylized live and watched in a browser.
 * Its options are defined once, in src/options/options.ts; the styles it offers are in
 * live-gallery.ts, the lines it prints in live-lines.ts.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { describeLiveSource } from '../decode/live-source.js';
import { refuseInputAsOutput } from '../encode/output-file.js';
import { StylecastError } from '../errors.js';
import type { LiveOptions } from '../live/live-options.js';
import type { LiveRun } from '../live/live-run.js';
import { startLive } from '../live/live-run.js';
import { nominalLiveSize } from '../live/live-video.js';
import type { OptionsOf, ResolvedOptions } from '../options/define-option.js';
import { liveOptions, poolOptions, styleOptions } from '../options/options.js';
import { loadPublishCa } from '../publish/server-certificate.js';
import { loadSchedule, type LoadedSchedule } from '../schedule/load-schedule.js';
import { warningLines } from '../schedule/schedule-problem.js';
import { loadTlsCredentials, type TlsCredentials } from '../stream/tls-credentials.js';
import { alphaLevelsProblem } from '../style-values.js';
import { openStylizer } from '../stylizer/open-stylizer.js';
import { scheduleStyle } from '../stylizer/prepare-style.js';
import type { Stylizer } from '../stylizer/stylizer.js';
import type { CommandContext } from './command-context.js';
import { applyConfigFile } from './config-file.js';
import { describeRuntime } from './describe-runtime.js';
import { openLiveStyles, type LiveStyles } from './live-gallery.js';
import {
  certifiedUrls,
  describePublish,
  describeSource,
  networkUrls,
  stoppedLine,
} from './live-lines.js';
import { liveFlags, options } from './options.js';
import { Reporter } from './reporter.js';

/** What commander hands the action: the shared options resolved, plus the CLI's own. */
type LiveFlags = ResolvedOptions<typeof liveOptions> &
  ResolvedOptions<typeof poolOptions> &
  OptionsOf<typeof styleOptions> & {
    schedule?: string;
    gallery?: string;
    quiet?: boolean;
    json?: boolean;
  };

/** Everything checked before the model loads: the styles, a schedule, HTTPS files, the recording. */
interface CheckedLive extends LiveStyles {
  scheduled?: LoadedSchedule;
  tls?: TlsCredentials;
  /** Files the run reads besides the source and the gallery: the recording may be none. */
  reads: string[];
}

export function registerLiveCommand(program: Command, context: CommandContext): Command {
  const command = program
    .command('live')
    .description('stylize a webcam or live stream and watch it in a browser');
  for (const option of [
    liveFlags.input(),
    options.style(),
    liveFlags.gallery(),
    options.alpha(),
    options.preserveColor(),
    options.schedule(),
    options.liveSize(),
    liveFlags.fps(),
    liveFlags.cameraFormat(),
    liveFlags.loop(),
    liveFlags.retry(),
    liveFlags.host(),
    liveFlags.port(),
    liveFlags.token(),
    liveFlags.allowOrigin(),
    liveFlags.tlsCert(),
    liveFlags.tlsKey(),
    liveFlags.record(),
    liveFlags.publish(),
    liveFlags.publishCa(),
    liveFlags.mute(),
    liveFlags.maxUpload(),
    liveFlags.quality(),
    liveFlags.viewerCodec(),
    liveFlags.bitrate(),
    options.model(),
    options.device(),
    options.precision(),
    options.workers(),
    options.threads(),
    options.quiet(),
    options.json(),
    options.config(),
  ])
    command.addOption(option);
  return command.action(async (_flags: LiveFlags, self: Command) => {
    const configFile = await applyConfigFile(self);
    await runLive(self.opts<LiveFlags>(), configFile, context);
  });
}

async function runLive(
  flags: LiveFlags,
  configFile: string | undefined,
  context: CommandContext,
): Promise<void> {
  const reporter = new Reporter(flags);
  const checked = await checkLive(flags, configFile, reporter);
  // The source's size is known only once it opens: time precisions at the size it will likely have.
  const stylizer = await openStylizer({
    ...flags,
    frameSize: nominalLiveSize(flags.size),
    signal: context.signal,
  });
  try {
    const alphaProblem = alphaLevelsProblem(flags.alpha ?? 1, stylizer.model.card.levels);
    if (alphaProblem) throw new StylecastError('BAD_OPTION', alphaProblem);
    const run = await startLive(stylizer, {
      ...(await runOptions(flags, checked, stylizer)),
      onPublish: (status) => reporter.info(describePublish(status)),
      onSource: (status) => reporter.info(describeSource(status)),
      signal: context.signal,
    });
    announce(run, flags, stylizer, checked, reporter);
    const summary = await run.done;
    const record = flags.record ? resolve(flags.record) : undefined;
    reporter.result({ ...summary, ...(record ? { record } : {}) }, stoppedLine(summary, record));
  } finally {
    await stylizer.close();
  }
}

/** Checks (every problem, every image) what can be checked before the model loads. */
async function checkLive(
  flags: LiveFlags,
  configFile: string | undefined,
  reporter: Reporter,
): Promise<CheckedLive> {
  const styles = await openLiveStyles(flags, (line) => reporter.info(line));
  // Schedule times count from the start of the stream.
  const scheduled = flags.schedule ? await loadSchedule(flags.schedule) : undefined;
  for (const line of warningLines(scheduled?.warnings ?? [])) reporter.info(line);
  // Read now, as the server will read them.
  const tls = await loadTlsCredentials(flags);
  if (flags.publishCa !== undefined) await loadPublishCa(flags.publishCa);
  const reads = [
    configFile,
    flags.schedule,
    flags.tlsCert,
    flags.tlsKey,
    flags.publishCa,
    ...(scheduled?.schedule.images ?? []),
  ].filter((path) => path !== undefined);
  if (flags.record) {
    const source = flags.input.kind === 'file' ? flags.input.path : undefined;
    await refuseInputAsOutput(flags.record, [source, ...styles.paths, ...reads]);
  }
  return { ...styles, scheduled, tls, reads };
}

/** The flags as `startLive` takes them, the schedule's styles encoded by this stylizer. */
async function runOptions(
  flags: LiveFlags,
  checked: CheckedLive,
  stylizer: Stylizer,
): Promise<LiveOptions> {
  return {
    styleFor: checked.scheduled
      ? await scheduleStyle(stylizer, checked.scheduled.schedule)
      : undefined,
    source: flags.input,
    loop: flags.loop,
    size: flags.size,
    fps: flags.fps,
    cameraFormat: flags.cameraFormat,
    gallery: checked.gallery,
    settings: checked.settings,
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
    publishCa: flags.publishCa,
    mute: flags.mute,
    reads: checked.reads,
  };
}

/** The page's URL on stdout (JSON with --json), and where else it is, on stderr. */
function announce(
  run: LiveRun,
  flags: LiveFlags,
  stylizer: Stylizer,
  checked: CheckedLive,
  reporter: Reporter,
): void {
  const { width, height, fps } = run.video;
  if (flags.json) process.stdout.write(`${JSON.stringify({ url: run.url, width, height, fps })}\n`);
  else if (!flags.quiet) process.stdout.write(`${run.url}\n`);
  const format =
    width > 0
      ? `${width}x${height} at ${fps} fps`
      : `waiting for ${describeLiveSource(flags.input)}`;
  reporter.info(
    `Live at ${run.url} — ${format}, model ${stylizer.model.card.name} on ${describeRuntime(stylizer)}. Ctrl-C stops.`,
  );
  for (const other of networkUrls(run.url, flags.host)) reporter.info(`Also at ${other}`);
  for (const named of certifiedUrls(run.url, checked.tls?.hostNames ?? []))
    reporter.info(`Also at ${named}`);
}
