/**
 * A label-less Prometheus histogram whose `observe` is a loop over a few bounds and three
 * integer additions: no closure, no label hashing, no validation per call (prom-client's
 * `Histogram#observe` does all three, and it runs once per upstream try or loader batch).
 * Registered in a prom-client `Registry` as a custom collector: the registry asks `get()`
 * at scrape time and formats the text, `# TYPE … histogram` included.
 */
import type { Metric, Registry } from 'prom-client';

interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
}

export class PlainHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #bounds: readonly number[];
  /** per bucket, not cumulative; the last one is +Inf */
  #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    bounds: readonly number[],
  ) {
    this.#bounds = [...bounds].sort((a, b) => a - b);
    this.#counts = new Array<number>(this.#bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    (this.#counts[i] as number)++;
    this.#sum += value;
    this.#count++;
  }

  /** What prom-client's registry reads at scrape time. */
  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values: Sample[] = [];
    let cumulative = 0;
    const bucket = `${this.name}_bucket`;
    this.#bounds.forEach((bound, i) => {
      cumulative += this.#counts[i] as number;
      values.push({ value: cumulative, labels: { le: bound }, metricName: bucket });
    });
    values.push({ value: this.#count, labels: { le: '+Inf' }, metricName: bucket });
    values.push({ value: this.#sum, labels: {}, metricName: `${this.name}_sum` });
    values.push({ value: this.#count, labels: {}, metricName: `${this.name}_count` });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** `Registry#resetMetrics` calls this. */
  reset(): void {
    this.#counts = this.#counts.map(() => 0);
    this.#sum = 0;
    this.#count = 0;
  }

  registerIn(registry: Registry): this {
    // prom-client's typings list only its own classes; the registry needs name, get() and reset().
    registry.registerMetric(this as unknown as Metric);
    return this;
  }
}
