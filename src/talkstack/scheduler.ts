/**
 * The process-wide upstream slots (`UPSTREAM_CONCURRENCY`), shared fairly between tenants.
 *
 * Contract:
 * - at most `limit` slots are held at once, across every request of the process;
 * - a free slot is granted at once when nobody waits; otherwise waiters are served one
 *   tenant at a time in turn (round-robin over the tenants that have someone waiting), and
 *   within a tenant one operation at a time in turn (round-robin over the operations waiting:
 *   `Cancellation.origin`), in arrival order within an operation. So one tenant's 500-call
 *   page delays another tenant's single call by about one upstream round trip, not by the
 *   whole page, and so does one client's page another client's sharing the same key;
 * - a waiter whose `Cancellation` fires leaves the queue at once (its promise rejects with
 *   `CancelledError`) and is never granted a slot;
 * - `Release` is idempotent: a `finally` that runs twice cannot free a slot it does not hold.
 *
 * A tenant is `Credential.tenantId` (identity/keys.ts): the unit whose rate limit and bill upstream are shared.
 */
import { type Cancellation, CANCELLED_ERROR } from './cancellation.js';

export type Release = () => void;

export interface SchedulerStats {
  /** slots held right now (upstream tries in flight) */
  readonly inFlight: number;
  /** callers queued for a slot right now (cancelled ones excluded) */
  readonly waiting: number;
  /** tenants with at least one caller queued */
  readonly waitingTenants: number;
}

interface Waiter {
  readonly grant: (release: Release) => void;
  readonly refuse: (error: Error) => void;
  /** removes its cancellation listener once granted */
  unlisten: (() => void) | undefined;
  /** set when cancelled while queued: skipped when its turn comes */
  gone: boolean;
}

/** A FIFO with O(1) shift (an array and a head index, compacted as it drains). */
class Fifo {
  #items: Waiter[] = [];
  #head = 0;

  get empty(): boolean {
    return this.#head >= this.#items.length;
  }

  push(waiter: Waiter): void {
    this.#items.push(waiter);
  }

  shift(): Waiter | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const waiter = this.#items[this.#head++];
    if (this.#head > 64 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return waiter;
  }
}

/** One tenant's waiters: one FIFO per operation, the operations served in turn. */
class Queue {
  /** operation → its waiters, in the order their turn comes (re-inserted at the end when served) */
  readonly #byOrigin = new Map<object, Fifo>();
  /** waiters not cancelled */
  live = 0;

  push(waiter: Waiter, origin: object): void {
    let fifo = this.#byOrigin.get(origin);
    if (!fifo) this.#byOrigin.set(origin, (fifo = new Fifo()));
    fifo.push(waiter);
  }

  shift(): Waiter | undefined {
    for (const [origin, fifo] of this.#byOrigin) {
      this.#byOrigin.delete(origin);
      const waiter = fifo.shift();
      if (!fifo.empty) this.#byOrigin.set(origin, fifo);
      if (waiter) return waiter;
    }
    return undefined;
  }
}

export class UpstreamScheduler {
  #inFlight = 0;
  #waiting = 0;
  /**
   * Tenants with someone waiting, in the order their turn comes. A Map keeps insertion
   * order: the tenant served is deleted and, if it still has waiters, set again at the end.
   */
  readonly #turns = new Map<string, Queue>();

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  }

  get stats(): SchedulerStats {
    return { inFlight: this.#inFlight, waiting: this.#waiting, waitingTenants: this.#turns.size };
  }

  /**
   * The queue a call of several tenants (contract: "Tenants": each credential value it carries)
   * waits in: the one with the most waiting, so varying one header while keeping the other
   * joins the same turn as the rest and gains no extra share of the slots.
   */
  queueOf(tenants: readonly string[]): string {
    let chosen = tenants[0] as string;
    if (tenants.length === 1) return chosen;
    let most = this.#turns.get(chosen)?.live ?? 0;
    for (let i = 1; i < tenants.length; i++) {
      const waiting = this.#turns.get(tenants[i] as string)?.live ?? 0;
      if (waiting > most) {
        most = waiting;
        chosen = tenants[i] as string;
      }
    }
    return chosen;
  }

  /** A slot now if one is free and nobody waits for one, else undefined. No promise made. */
  tryAcquire(): Release | undefined {
    if (this.#inFlight >= this.limit || this.#waiting > 0) return undefined;
    this.#inFlight++;
    return this.#releaser();
  }

  /** Resolves with a slot when `tenant`'s turn comes; rejects with CancelledError if cancelled first. */
  acquire(tenant: string, cancellation?: Cancellation): Promise<Release> {
    // Which operation waits: its turn comes round-robin with the tenant's other operations.
    const origin: object = cancellation?.origin ?? cancellation ?? this;
    const now = this.tryAcquire();
    if (now) return Promise.resolve(now);
    if (cancellation?.cancelled) return Promise.reject(CANCELLED_ERROR);
    return new Promise<Release>((grant, refuse) => {
      const waiter: Waiter = { grant, refuse, unlisten: undefined, gone: false };
      let queue = this.#turns.get(tenant);
      if (!queue) this.#turns.set(tenant, (queue = new Queue()));
      const own = queue;
      own.push(waiter, origin);
      own.live++;
      this.#waiting++;
      if (cancellation) {
        waiter.unlisten = cancellation.listen(() => {
          // Lazy removal: the entry stays in its queue, marked, and is skipped on its turn;
          // a tenant left with no live waiter loses its turn at once.
          waiter.gone = true;
          this.#waiting--;
          if (--own.live === 0 && this.#turns.get(tenant) === own) this.#turns.delete(tenant);
          refuse(CANCELLED_ERROR);
        });
      }
    });
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#handOver();
    };
  }

  /** A slot came free: give it to the next tenant's next live waiter, or free it. */
  #handOver(): void {
    // Every queue in #turns has a live waiter (see the cancel listener), so the first will do.
    const next = this.#turns.entries().next();
    if (next.done) {
      this.#inFlight--;
      return;
    }
    const [tenant, queue] = next.value;
    this.#turns.delete(tenant);
    let waiter = queue.shift();
    while (waiter?.gone) waiter = queue.shift();
    if (!waiter) {
      // Not reachable while the invariant holds; if it did not, try the next tenant.
      this.#handOver();
      return;
    }
    if (--queue.live > 0) this.#turns.set(tenant, queue);
    this.#waiting--;
    waiter.unlisten?.();
    // The slot passes from holder to waiter without being freed, so no one can overtake.
    waiter.grant(this.#releaser());
  }
}
