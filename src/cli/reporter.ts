/**
 * What the CLI prints while it works: a progress bar on a terminal, a plain line every few
 * seconds otherwise, nothing with --quiet or --json. Progress goes to stderr; results to stdout.
 */
import cliProgress from 'cli-progress';

export interface ReporterOptions {
  quiet?: boolean;
  json?: boolean;
}

const PLAIN_EVERY_MS = 2000;

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export class Reporter {
  private bar: cliProgress.SingleBar | null = null;
  private lastPlain = 0;
  private readonly silent: boolean;

  constructor(private readonly options: ReporterOptions) {
    this.silent = Boolean(options.quiet || options.json);
  }

  /** A line for the user (to stderr, so stdout stays the result). */
  info(line: string): void {
    if (!this.silent) process.stderr.write(`${line}\n`);
  }

  /** `detail` is one more field for the line, e.g. a farm's `3 workers`. */
  progress(done: number, total: number, elapsedMs: number, detail?: string): void {
    if (this.silent) return;
    const fps = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
    const eta = fps > 0 && total > done ? (total - done) / fps : total > done ? Infinity : 0;
    if (process.stderr.isTTY) {
      if (!this.bar) {
        this.bar = new cliProgress.SingleBar(
          {
            format:
              '{bar} {percentage}% | {value}/{total} frames | {fps} fps{detail} | ETA {etaText}',
            stream: process.stderr,
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        this.bar.start(Math.max(total, done), 0, { fps: '0.0', detail: '', etaText: '?' });
      }
      this.bar.setTotal(Math.max(total, done));
      this.bar.update(done, {
        fps: fps.toFixed(1),
        detail: detail ? ` | ${detail}` : '',
        etaText: formatEta(eta),
      });
      return;
    }
    const now = Date.now();
    if (now - this.lastPlain >= PLAIN_EVERY_MS || (total > 0 && done >= total)) {
      this.lastPlain = now;
      const percent = total > 0 ? ` (${Math.floor((done * 100) / total)}%)` : '';
      process.stderr.write(
        `frames ${done}/${total}${percent} ${fps.toFixed(1)} fps${detail ? ` ${detail}` : ''} ETA ${formatEta(eta)}\n`,
      );
    }
  }

  stopProgress(): void {
    this.bar?.stop();
    this.bar = null;
  }

  /** The final result: a JSON object with --json, else a sentence (unless --quiet). */
  result(summary: Record<string, unknown>, sentence: string): void {
    this.stopProgress();
    if (this.options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else if (!this.options.quiet) process.stdout.write(`${sentence}\n`);
  }
}
