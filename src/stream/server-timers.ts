/**
 * The stream server's clocks while it runs: the heartbeat, which pings every viewer and cuts off
 * one that has not answered the ping before (a connection that died without closing), and the
 * stats tick, which sends each viewer the pipeline's figures beside its own send rate and the
 * frames it skipped.
 */
import type { StatsSnapshot } from '../live/live-types.js';
import type { ViewerConnection } from './viewer-connection.js';

export interface ServerTimerOptions {
  heartbeatMs: number;
  statsIntervalMs: number;
  /** The pipeline's figures, read once each tick. */
  stats: () => StatsSnapshot;
}

export class ServerTimers {
  private heartbeat: NodeJS.Timeout | undefined;
  private statsTick: NodeJS.Timeout | undefined;
  /** When the last stats went out: each viewer's rates are over the time since. */
  private lastStatsAt = 0;

  constructor(
    /** The server's viewers; the heartbeat removes the ones it cuts off. */
    private readonly viewers: Set<ViewerConnection>,
    private readonly options: ServerTimerOptions,
  ) {}

  start(): void {
    this.lastStatsAt = performance.now();
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs);
    this.statsTick = setInterval(() => this.sendStats(), this.options.statsIntervalMs);
  }

  stop(): void {
    clearInterval(this.heartbeat);
    clearInterval(this.statsTick);
  }

  private beat(): void {
    for (const viewer of this.viewers) if (!viewer.heartbeat()) this.viewers.delete(viewer);
  }

  private sendStats(): void {
    const now = performance.now();
    const seconds = Math.max(0.001, (now - this.lastStatsAt) / 1000);
    this.lastStatsAt = now;
    const stats = this.options.stats();
    for (const viewer of this.viewers) {
      const sent = viewer.takeSentCounts();
      viewer.sendMessage({
        type: 'stats',
        serverTimeMs: Date.now(),
        ...stats,
        viewers: this.viewers.size,
        viewerFps: Math.round((sent.frames / seconds) * 10) / 10,
        viewerSkipped: viewer.skipped,
        viewerMbps: Math.round((sent.bytes * 8) / seconds / 1e4) / 100,
      });
    }
  }
}
