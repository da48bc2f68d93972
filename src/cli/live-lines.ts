/** What `stylecast live` prints: the page's other addresses, and each change of its source and targets. */
import { networkInterfaces } from 'node:os';
import type { LiveSummary } from '../live/live-options.js';
import type { SourceStatus } from '../live/live-types.js';
import type { PublishStatus } from '../publish/stream-publisher.js';

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

export function describePublish(status: PublishStatus): string {
  if (status.state === 'live') return `Publishing to ${status.target}`;
  return `Publishing to ${status.target} failed (${status.message}); retry ${status.attempt} in ${(status.retryInMs / 1000).toFixed(1)} s`;
}

export function describeSource(status: SourceStatus): string {
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

/** The last line: why the run stopped, what it sent, recorded and published. */
export function stoppedLine(summary: LiveSummary, record: string | undefined): string {
  return (
    `Stopped (${summary.reason}): ${summary.sentFrames} frames sent, ${summary.drops} dropped` +
    (record ? `; recorded ${record}` : '') +
    (summary.published ?? [])
      .map((sent) => `; published ${sent.frames} frames to ${sent.target}`)
      .join('')
  );
}
