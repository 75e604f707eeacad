/**
 * A counting semaphore: at most `limit` holders at once, waiters served in arrival order.
 * One instance per server process bounds upstream requests across every GraphQL request.
 */
export type Release = () => void;

export class Limiter {
  #active = 0;
  readonly #waiters: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  }

  /** Holders right now. */
  get active(): number {
    return this.#active;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Resolves with a release function once a slot is free. The release is idempotent, so a
   * `finally` that runs twice cannot free a slot it does not hold.
   */
  async acquire(): Promise<Release> {
    if (this.#active < this.limit) {
      this.#active++;
    } else {
      // The slot is handed over by release() without decrementing, so no one can overtake.
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next) next();
      else this.#active--;
    };
  }
}
