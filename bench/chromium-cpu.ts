/**
 * CPU time the headless Chromium started by this process has used, read from Linux's /proc: per
 * process type (`renderer`, `gpu-process`, …, `browser` for the first), and per thread name inside
 * the renderers (`main`, `DedicatedWorker`, `ThreadPoolForeg` (decoders), `Compositor` …). Two readings'
 * difference is what the page cost over that time, wherever Chromium did the work: the page's
 * main thread, a worker, the decoder threads or the compositor. Empty where there is no /proc.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Linux's clock tick (`getconf CLK_TCK`): 100 on every common kernel. */
const TICK_MS = 10;

/** ms of CPU by key: `process:TYPE` for each process type, `thread:NAME` for renderer threads. */
export type CpuReading = Map<string, number>;

interface Stat {
  name: string;
  ppid: number;
  cpuMs: number;
}

/** `/proc/PID/stat` (or a task's): the name in parentheses may itself hold spaces and parentheses. */
function readStat(path: string): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return undefined; // it ended meanwhile
  }
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  // After the name: state, ppid, … utime and stime are fields 14 and 15 of the whole line.
  return {
    name: text.slice(open + 1, close),
    ppid: Number(fields[1]),
    cpuMs: (Number(fields[11]) + Number(fields[12])) * TICK_MS,
  };
}

function processType(pid: number): string {
  try {
    // Chromium rewrites its command line into one string: find the switch, not an argument.
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    return /--type=([\w-]+)/.exec(commandLine)?.[1] ?? 'browser';
  } catch {
    return 'gone';
  }
}

export function readChromiumCpu(rootPid = process.pid): CpuReading {
  const reading: CpuReading = new Map();
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return reading;
  }
  const stats = new Map<number, Stat>();
  for (const pid of pids) {
    const stat = readStat(`/proc/${pid}/stat`);
    if (stat) stats.set(pid, stat);
  }
  const isChromium = (pid: number): boolean => /^chrom/i.test(stats.get(pid)?.name ?? '');
  const descends = (pid: number): boolean => {
    // Up the parents to this process (which may itself be PID 1, in a container), or to the top.
    for (let at = stats.get(pid)?.ppid; at !== undefined && at > 0; at = stats.get(at)?.ppid) {
      if (at === rootPid) return true;
      if (at === 1) break;
    }
    return false;
  };
  const add = (key: string, ms: number): void =>
    void reading.set(key, (reading.get(key) ?? 0) + ms);
  for (const [pid, stat] of stats) {
    if (!isChromium(pid) || !descends(pid)) continue;
    const type = processType(pid);
    add(`process:${type}`, stat.cpuMs);
    if (type !== 'renderer') continue;
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      const task = readStat(`/proc/${pid}/task/${tid}/stat`);
      // The main thread carries the process's name; call it what it is.
      if (task) add(`thread:${tid === String(pid) ? 'main' : task.name}`, task.cpuMs);
    }
  }
  return reading;
}

/** `end − start` per key, dropping keys that used no CPU in between. */
export function cpuSpent(start: CpuReading, end: CpuReading): CpuReading {
  const spent: CpuReading = new Map();
  for (const [key, ms] of end) {
    const delta = ms - (start.get(key) ?? 0);
    if (delta > 0) spent.set(key, delta);
  }
  return spent;
}
