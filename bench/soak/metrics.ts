/**
 * What the load observed: counters and latencies, in memory bounded however long the soak
 * runs (the soak must not be the process that leaks).
 */
import type { OperationKind } from './operations.js';

/** Latencies kept for percentiles; beyond this, a uniform sample (reservoir) of them. */
const RESERVOIR_SIZE = 200_000;
/** Examples kept of each kind of problem, enough to start debugging. */
const SAMPLES_KEPT = 10;

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LoadStats {
  /** requests that got an HTTP answer from the GraphQL server, whatever its status */
  served: number;
  /** network errors and timeouts talking to the GraphQL server */
  failed: number;
  /** HTTP status >= 500 from the GraphQL server */
  server5xx: number;
  /** answers that contradict the contract for what was asked (see operations.ts) */
  wrongAnswers: number;
  /** served answers whose body was not JSON */
  nonJson: number;
  /** fields that timed out upstream although their upstream answers at once (see CheckResult) */
  loadTimeouts: number;
  byStatus: Record<string, number>;
  byKind: Record<string, number>;
  /** every `errors[].extensions.code`; `(none)` for an error without one */
  errorCodes: Record<string, number>;
  failureReasons: Record<string, number>;
  failureSamples: string[];
  wrongAnswerSamples: string[];
  latencyMs: LatencySummary | undefined;
}

function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

function sortedRecord(map: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export class LoadMetrics {
  served = 0;
  failed = 0;
  server5xx = 0;
  wrongAnswers = 0;
  nonJson = 0;
  loadTimeouts = 0;
  readonly #byStatus = new Map<string, number>();
  readonly #byKind = new Map<string, number>();
  readonly #errorCodes = new Map<string, number>();
  readonly #failureReasons = new Map<string, number>();
  readonly #failureSamples: string[] = [];
  readonly #wrongSamples: string[] = [];
  readonly #latencies = new Float64Array(RESERVOIR_SIZE);
  #latencyCount = 0;
  #latencySum = 0;
  #latencyMax = 0;

  recordAnswer(kind: OperationKind, status: number, latencyMs: number, codes: readonly string[], json: boolean): void {
    this.served++;
    bump(this.#byKind, kind);
    bump(this.#byStatus, String(status));
    if (status >= 500) this.server5xx++;
    if (!json) this.nonJson++;
    for (const code of codes) bump(this.#errorCodes, code);
    this.#recordLatency(latencyMs);
  }

  recordWrongAnswer(kind: OperationKind, problem: string): void {
    this.wrongAnswers++;
    if (this.#wrongSamples.length < SAMPLES_KEPT) this.#wrongSamples.push(`${kind}: ${problem}`);
  }

  recordFailure(kind: OperationKind, reason: string, detail: string): void {
    this.failed++;
    bump(this.#byKind, kind);
    bump(this.#failureReasons, reason);
    if (this.#failureSamples.length < SAMPLES_KEPT) this.#failureSamples.push(`${kind}: ${reason}: ${detail}`);
  }

  get requests(): number {
    return this.served + this.failed;
  }

  snapshot(): LoadStats {
    return {
      served: this.served,
      failed: this.failed,
      server5xx: this.server5xx,
      wrongAnswers: this.wrongAnswers,
      nonJson: this.nonJson,
      loadTimeouts: this.loadTimeouts,
      byStatus: sortedRecord(this.#byStatus),
      byKind: sortedRecord(this.#byKind),
      errorCodes: sortedRecord(this.#errorCodes),
      failureReasons: sortedRecord(this.#failureReasons),
      failureSamples: [...this.#failureSamples],
      wrongAnswerSamples: [...this.#wrongSamples],
      latencyMs: this.#latencySummary(),
    };
  }

  #recordLatency(ms: number): void {
    const seen = this.#latencyCount++;
    this.#latencySum += ms;
    if (ms > this.#latencyMax) this.#latencyMax = ms;
    // Algorithm R: every latency seen has the same chance of being in the reservoir.
    if (seen < RESERVOIR_SIZE) this.#latencies[seen] = ms;
    else {
      const slot = Math.floor(Math.random() * (seen + 1));
      if (slot < RESERVOIR_SIZE) this.#latencies[slot] = ms;
    }
  }

  #latencySummary(): LatencySummary | undefined {
    const count = this.#latencyCount;
    if (count === 0) return undefined;
    const kept = this.#latencies.slice(0, Math.min(count, RESERVOIR_SIZE)).sort();
    // Nearest rank: the smallest value with at least p of the samples at or below it.
    const at = (p: number) => kept[Math.min(kept.length - 1, Math.max(0, Math.ceil(p * kept.length) - 1))] ?? 0;
    const round = (ms: number) => Math.round(ms * 10) / 10;
    return {
      p50: round(at(0.5)),
      p90: round(at(0.9)),
      p99: round(at(0.99)),
      max: round(this.#latencyMax),
      mean: round(this.#latencySum / count),
    };
  }
}
