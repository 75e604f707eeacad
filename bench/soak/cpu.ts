/**
 * CPU time of the server process and of this one: tells whether a throughput or latency
 * figure is the server's limit or the load generator's (they share the machine).
 */
import { readFileSync } from 'node:fs';

/** Linux's USER_HZ is 100 on every mainstream architecture; Node offers no sysconf to ask. */
const TICKS_PER_SECOND = 100;

/** utime + stime of `pid` in seconds, or undefined when unreadable. */
export function readCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

export interface CpuSummary {
  /** server CPU over the load, in % of one core */
  serverPercent: number | undefined;
  /** this process (simulator and load generator) over the load, in % of one core */
  soakPercent: number;
}

/** Measures from construction to `summary()`. */
export class CpuMeter {
  readonly #pid: number;
  readonly #serverStart: number | undefined;
  readonly #ownStart = process.cpuUsage();
  readonly #startedAt = performance.now();

  constructor(pid: number) {
    this.#pid = pid;
    this.#serverStart = readCpuSeconds(pid);
  }

  /** Server CPU since construction, in % of one core. */
  serverPercentSoFar(): number | undefined {
    const now = readCpuSeconds(this.#pid);
    const wall = (performance.now() - this.#startedAt) / 1000;
    if (now === undefined || this.#serverStart === undefined || wall <= 0) return undefined;
    return Math.round(((now - this.#serverStart) / wall) * 100);
  }

  summary(): CpuSummary {
    const wall = (performance.now() - this.#startedAt) / 1000;
    const own = process.cpuUsage(this.#ownStart);
    return {
      serverPercent: this.serverPercentSoFar(),
      soakPercent: wall > 0 ? Math.round(((own.user + own.system) / 1e6 / wall) * 100) : 0,
    };
  }
}
