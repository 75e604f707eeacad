/**
 * Upstream tries as metrics: `talkstack_upstream_requests_total{outcome,status}` and
 * `talkstack_upstream_request_duration_seconds` (per try: from sending to the outcome, the
 * wait for a slot excluded). A try costs one Map update and one plain histogram observe; the
 * counter's labelled series are built from those counts at scrape time.
 */
import { Counter, type Registry } from 'prom-client';
import type { TryRecorder } from '../talkstack/client.js';
import { PlainHistogram } from './plainHistogram.js';
import { outcomeIndexOf, outcomeName, statusOf, type OutcomeIndex } from './upstreamOutcome.js';

/** Seconds: the simulator answers in under 5 ms; UPSTREAM_TIMEOUT_MS defaults to 10 s. */
export const UPSTREAM_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Key of one (outcome, status) pair: statuses are 0 (none) or 100–599. */
const keyOf = (outcome: OutcomeIndex, status: number) => outcome * 1000 + status;

export class UpstreamMetrics implements TryRecorder {
  readonly #tries = new Map<number, number>();
  readonly #duration: PlainHistogram;

  constructor(registry: Registry) {
    const tries = this.#tries;
    new Counter({
      name: 'talkstack_upstream_requests_total',
      help: 'Upstream tries (a retry is a try of its own), by how they ended and the HTTP status ("none" without an answer).',
      labelNames: ['outcome', 'status'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [key, count] of tries) {
          const status = key % 1000;
          this.inc({ outcome: outcomeName(Math.floor(key / 1000) as OutcomeIndex), status: status === 0 ? 'none' : String(status) }, count);
        }
      },
    });
    this.#duration = new PlainHistogram(
      'talkstack_upstream_request_duration_seconds',
      'Duration of each upstream try, from sending it to its outcome (waiting for a slot excluded).',
      UPSTREAM_DURATION_BUCKETS,
    ).registerIn(registry);
  }

  record(outcome: Parameters<TryRecorder['record']>[0], answered: boolean, seconds: number): void {
    const key = keyOf(outcomeIndexOf(outcome, answered), statusOf(outcome));
    this.#tries.set(key, (this.#tries.get(key) ?? 0) + 1);
    this.#duration.observe(seconds);
  }
}
