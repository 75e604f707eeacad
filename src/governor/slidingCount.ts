/**
 * How many events happened in the last `windowMs`, in fixed buckets: adding one is an array
 * write, not an object, so counting every upstream try costs nothing worth measuring. The
 * answer is exact to one bucket (a tenth of the window by default).
 */
export class SlidingCount {
  readonly #bucketMs: number;
  readonly #counts: number[];
  /** the bucket number (time / bucketMs) of the newest bucket */
  #newest = -Infinity;
  #sum = 0;

  constructor(windowMs: number, buckets = 10) {
    this.#bucketMs = windowMs / buckets;
    this.#counts = new Array<number>(buckets).fill(0);
  }

  add(now: number, count = 1): void {
    this.#advance(now);
    const index = this.#newest % this.#counts.length;
    this.#counts[index] = (this.#counts[index] as number) + count;
    this.#sum += count;
  }

  /** Events in the window ending at `now`. */
  total(now: number): number {
    this.#advance(now);
    return this.#sum;
  }

  clear(): void {
    this.#counts.fill(0);
    this.#sum = 0;
  }

  /** Empties the buckets that fell out of the window since the last call. */
  #advance(now: number): void {
    const bucket = Math.floor(now / this.#bucketMs);
    if (bucket <= this.#newest) return;
    const size = this.#counts.length;
    if (bucket - this.#newest >= size) {
      this.clear();
    } else {
      for (let next = this.#newest + 1; next <= bucket; next++) {
        const slot = ((next % size) + size) % size;
        this.#sum -= this.#counts[slot] as number;
        this.#counts[slot] = 0;
      }
    }
    this.#newest = bucket;
  }
}
