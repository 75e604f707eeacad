/**
 * The open subscriptions of one server instance and the caps on them
 * (MAX_SUBSCRIPTIONS_PER_CREDENTIAL, MAX_WATCHED_CALLS_PER_CREDENTIAL, MAX_SUBSCRIPTIONS).
 *
 * Every poll is an upstream request paid by the key's owner, and one key could open
 * thousands of subscriptions: the caps bound what one credential (and the whole instance)
 * makes this server poll. A subscription holds a lease from `acquire` until its stream ends
 * for any reason; `leasedStream.ts` ties the two together so a lease is released exactly once.
 *
 * Transport-agnostic: the caps are shared by SSE and WebSocket (each lease only records which
 * one it came by, for `activeByTransport`), and a subscription over many calls
 * (`callsUpdates`) is one subscription watching each of its distinct calls.
 *
 * Both caps count per tenant (the paying key, `Credential.tenantId`), but what a watched call
 * costs is a poller, and pollers are per call key (identity/keys.ts: the exact credential, both
 * headers, and the call). So one call watched under two header pairs (one x-api-key, two
 * Authorization values) is two pollers and counts twice toward the tenant's
 * MAX_WATCHED_CALLS_PER_CREDENTIAL. Otherwise one key sent with ever-different junk
 * Authorization values would multiply the polling of its calls past the cap.
 *
 * A refusal throws TooManySubscriptionsError and takes nothing.
 */
import type { CallKey } from '../identity/keys.js';
import type { Config } from '../config/config.js';
import { TooManySubscriptionsError } from '../calls/callDataErrors.js';

export interface SubscriptionLimits {
  /** open subscriptions per tenant (MAX_SUBSCRIPTIONS_PER_CREDENTIAL counts by tenant: identity/keys.ts) */
  readonly perTenant: number;
  /** distinct call keys (pollers) one tenant's subscriptions hold at once */
  readonly watchedCallsPerTenant: number;
  /** open subscriptions of the whole instance */
  readonly total: number;
}

export const subscriptionLimitsOf = (config: Config): SubscriptionLimits => ({
  perTenant: config.maxSubscriptionsPerCredential,
  watchedCallsPerTenant: config.maxWatchedCallsPerCredential,
  total: config.maxSubscriptions,
});

/** How a subscription's events reach its client. */
export type SubscriptionTransport = 'sse' | 'ws';

export interface SubscriptionStats {
  /** open subscriptions of this instance */
  readonly open: number;
  /** per tenant with an open subscription: its open subscriptions and distinct watched calls (what the caps bound) */
  readonly tenants: ReadonlyMap<string, { readonly open: number; readonly watched: number }>;
  /** open subscriptions per transport (`talkstack_subscriptions_active{transport}`) */
  readonly byTransport: Readonly<Record<SubscriptionTransport, number>>;
}

/** One open subscription's hold on the registry. */
export interface SubscriptionLease {
  /**
   * Aborted when the lease ends: released, or completed by `completeAll`. The stream stops
   * polling on it.
   */
  readonly signal: AbortSignal;
  /** Gives the slot and the watched calls back; later calls do nothing. */
  release(): void;
}

interface TenantUsage {
  subscriptions: number;
  /** call key id → how many of this tenant's open subscriptions watch it */
  readonly watched: Map<string, number>;
}

export class SubscriptionRegistry {
  readonly #limits: SubscriptionLimits;
  readonly #leases = new Set<Lease>();
  // Entries are removed when a tenant's last subscription ends: memory follows what is
  // open, not how many tenants were ever seen.
  readonly #usage = new Map<string, TenantUsage>();
  readonly #byTransport: Record<SubscriptionTransport, number> = { sse: 0, ws: 0 };

  constructor(limits: SubscriptionLimits) {
    this.#limits = limits;
  }

  get stats(): SubscriptionStats {
    const tenants = new Map<string, { open: number; watched: number }>();
    for (const [tenantId, usage] of this.#usage) tenants.set(tenantId, { open: usage.subscriptions, watched: usage.watched.size });
    return { open: this.#leases.size, tenants, byTransport: { ...this.#byTransport } };
  }

  /** open subscriptions of one tenant (`Credential.tenantId`) */
  openFor(tenantId: string): number {
    return this.#usage.get(tenantId)?.subscriptions ?? 0;
  }

  /** distinct watched call keys of one tenant's open subscriptions */
  watchedBy(tenantId: string): number {
    return this.#usage.get(tenantId)?.watched.size ?? 0;
  }

  /**
   * A lease for one subscription of the tenants `tenants` (contract: "Tenants": every
   * credential value it carries; `Credential.tenantIds`) watching `calls` (duplicates count
   * once) over `transport`: it counts against each of them, and a cap reached by any refuses
   * it. Throws TooManySubscriptionsError, taking nothing, past a cap.
   */
  acquire(tenants: string | readonly string[], calls: readonly CallKey[], transport: SubscriptionTransport = 'sse'): SubscriptionLease {
    const tenantIds = typeof tenants === 'string' ? [tenants] : tenants;
    const limits = this.#limits;
    const distinct = [...new Set(calls.map((key) => key.id))];
    for (const tenantId of tenantIds) {
      const usage = this.#usage.get(tenantId);
      if ((usage?.subscriptions ?? 0) >= limits.perTenant) {
        throw new TooManySubscriptionsError(
          `This credential already has ${limits.perTenant} open subscriptions (MAX_SUBSCRIPTIONS_PER_CREDENTIAL); close one first.`,
        );
      }
      const watched = usage?.watched.size ?? 0;
      const added = usage ? distinct.filter((key) => !usage.watched.has(key)).length : distinct.length;
      if (watched + added > limits.watchedCallsPerTenant) {
        throw new TooManySubscriptionsError(
          `This subscription would make this credential watch more than ${limits.watchedCallsPerTenant} distinct calls at once (MAX_WATCHED_CALLS_PER_CREDENTIAL).`,
        );
      }
    }
    if (this.#leases.size >= limits.total) {
      throw new TooManySubscriptionsError('This server has as many open subscriptions as it takes (MAX_SUBSCRIPTIONS); try again later.');
    }

    const held = tenantIds.map((tenantId): [string, TenantUsage] => {
      let usage = this.#usage.get(tenantId);
      if (!usage) this.#usage.set(tenantId, (usage = { subscriptions: 0, watched: new Map<string, number>() }));
      usage.subscriptions++;
      for (const key of distinct) usage.watched.set(key, (usage.watched.get(key) ?? 0) + 1);
      return [tenantId, usage];
    });
    const lease = new Lease(() => this.#release(lease, held, distinct, transport));
    this.#leases.add(lease);
    this.#byTransport[transport]++;
    return lease;
  }

  /**
   * Ends every open subscription now, as a normal completion (their clients see the stream
   * complete, not an error), and returns how many there were. Subscriptions opened after it
   * run as usual: on shutdown, call it when stopping begins and again right before the
   * listener closes.
   */
  completeAll(): number {
    const leases = [...this.#leases];
    for (const lease of leases) lease.release();
    return leases.length;
  }

  #release(lease: Lease, held: readonly [string, TenantUsage][], calls: readonly string[], transport: SubscriptionTransport): void {
    this.#leases.delete(lease);
    this.#byTransport[transport]--;
    for (const [tenantId, usage] of held) {
      usage.subscriptions--;
      for (const key of calls) {
        const left = (usage.watched.get(key) ?? 1) - 1;
        if (left === 0) usage.watched.delete(key);
        else usage.watched.set(key, left);
      }
      if (usage.subscriptions === 0) this.#usage.delete(tenantId);
    }
  }
}

class Lease implements SubscriptionLease {
  readonly #controller = new AbortController();
  #onRelease: (() => void) | undefined;

  constructor(onRelease: () => void) {
    this.#onRelease = onRelease;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  release(): void {
    const onRelease = this.#onRelease;
    if (!onRelease) return;
    this.#onRelease = undefined;
    onRelease();
    this.#controller.abort();
  }
}
