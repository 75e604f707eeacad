/**
 * CPU time of the server process and of this one: tells whether a throughput or latency
 * figure is the server's limit or the load generator's (they share the machine).
 */
import { readCpuMs } from '../lib/procStats.js';

export interface CpuSummary {
  /** server CPU over the load, in % of one core */
  serverPercent: number | undefined;
  /** this process (simulator and load generator) over the load, in % of one core */
  soakPercent: number;
}

/** Measures from construction to `summary()`. */
export class CpuMeter {
  readonly #pid: number;
  readonly #serverStartMs: number | undefined;
  readonly #ownStart = process.cpuUsage();
  readonly #startedAt = performance.now();

  constructor(pid: number) {
    this.#pid = pid;
    this.#serverStartMs = readCpuMs(pid);
  }

  /** Server CPU since construction, in % of one core. */
  serverPercentSoFar(): number | undefined {
    const nowMs = readCpuMs(this.#pid);
    const wallMs = performance.now() - this.#startedAt;
    if (nowMs === undefined || this.#serverStartMs === undefined || wallMs <= 0) return undefined;
    return Math.round(((nowMs - this.#serverStartMs) / wallMs) * 100);
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
