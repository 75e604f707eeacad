/**
 * The upstream governor (contract: "The upstream governor"): before each try of a call, may
 * it be sent now, later, or not at all? It sits below coalescing, around every try the client
 * makes (talkstack/client.ts asks it before taking a slot and tells it how the try ended), and
 * holds per tenant (identity/keys.ts: every credential value a call carries is one):
 * - its pace (tenantPace.ts): calls over the rate wait in the tenant's queue, served
 *   round-robin between the operations that asked (a 429'd call first: it keeps its place),
 *   each call's waits bounded by UPSTREAM_MAX_WAIT_MS from the moment it was asked: a call
 *   that cannot be sent within it fails RATE_LIMITED unsent, at once when predicted;
 * - its circuit breaker (circuitBreaker.ts): while open, calls fail UPSTREAM_UNAVAILABLE
 *   unsent, queued ones and retry waits included, and one waiting call at a time is sent as
 *   the probe;
 * - at most MAX_WAITING_CALLS_PER_TENANT calls waiting (TOO_MANY_REQUESTS past it).
 * A call of several tenants waits for the strictest and counts against each.
 *
 * Nothing here waits on a slot or sends anything: the client does. A tenant that needs no
 * pacing, has no open breaker and no one waiting costs one Map lookup and a few comparisons
 * per try (`admit` answers synchronously). Tenants with nothing to remember are forgotten.
 */
import { RateLimitedError, type RetryLaterError, TooManyRequestsError, UpstreamUnavailableError } from '../calls/callDataErrors.js';
import type { CallAddress } from '../calls/call.js';
import { addressKeyOf } from '../identity/keys.js';
import { type Cancellation, CANCELLED_ERROR } from '../talkstack/cancellation.js';
import { rateLimited } from '../talkstack/upstreamFailures.js';
import { CircuitBreaker } from './circuitBreaker.js';
import { announcedLimitOf, type RateLimitHeaderValues } from './rateLimitHeaders.js';
import type { PaceLesson, SharedPace } from './sharedPace.js';
import { TenantPace } from './tenantPace.js';

export interface GovernorOptions {
  /** UPSTREAM_RATE_LIMIT: requests per second per tenant from the start; undefined: learned */
  rateLimit: number | undefined;
  /** UPSTREAM_MAX_WAIT_MS */
  maxWaitMs: number;
  /** MAX_WAITING_CALLS_PER_TENANT */
  maxWaitingPerTenant: number;
  /** told when a tenant's breaker opens or closes (logs) */
  onBreaker?: (tenantId: string, open: boolean) => void;
  /** with REDIS_URL: paced tenants' sends reserved cluster-wide, lessons shared (sharedPace.ts) */
  sharedPace?: SharedPace & { fingerprintOf(tenantId: string): string };
  /** clock in ms; default `performance.now` based */
  now?: () => number;
}

export interface GovernorStats {
  /** tenants held back by a pace or a pause right now */
  readonly pacedTenants: number;
  /** tenants whose breaker is open right now */
  readonly breakersOpen: number;
  /** calls waiting for their tenant's pace right now */
  readonly waiting: number;
  /** calls refused unsent since start, by reason */
  readonly refused: { readonly breaker: number; readonly wait: number; readonly queue: number };
}

/** How a try ended, as the governor counts it. */
export type TryResult =
  /** an answer that was not a 429 nor a failure (2xx, 404, other 4xx, a body too large) */
  | 'accepted'
  /** 5xx, network failure, timeout, not HTTP: counts against the breaker */
  | 'failed'
  /** 429 */
  | 'limited'
  /** the caller left while it was in flight */
  | 'cancelled';

class Tenant {
  readonly pace: TenantPace;
  readonly breaker = new CircuitBreaker();
  readonly queue = new TenantQueue();
  /** calls of this tenant waiting (in any tenant's queue: a call counts against each of its tenants) */
  waiting = 0;
  /** retry waits to end when the breaker opens */
  readonly sleepers = new Set<(error: RetryLaterError) => void>();
  timer: NodeJS.Timeout | undefined;
  timerAt = Infinity;
  /** a cluster-wide reservation is being asked for this tenant's queue head (one at a time keeps the order) */
  reserving = false;
  /** Redis could not answer a reservation: pace locally until then */
  sharedDownUntil = 0;
  /** tries admitted and not finished yet: a tenant with some is never forgotten */
  inFlight = 0;
  /** when a call of it was last asked */
  lastUsed = 0;
  /** the TOO_MANY_REQUESTS its unsent calls share for a moment (#tooMany) */
  refusal: { readonly error: TooManyRequestsError; readonly at: number } | undefined;

  constructor(
    readonly id: string,
    rateLimit: number | undefined,
  ) {
    this.pace = new TenantPace(rateLimit);
  }

  /**
   * Nothing waits, runs or sleeps for it, and it is not paused nor its breaker open; and it
   * holds nothing worth keeping, or has been idle for a while (what it learned is learned
   * again from the next 429: the Map of tenants follows the tenants in use, not all ever seen).
   */
  forgettable(now: number): boolean {
    if (this.waiting > 0 || this.inFlight > 0 || this.sleepers.size > 0 || this.timer !== undefined || this.reserving) return false;
    if (this.pace.pausedUntil > now || this.breaker.open) return false;
    return (this.pace.plain && this.breaker.plain) || now - this.lastUsed >= FORGET_IDLE_MS;
  }
}

/** One call's tries, from the moment it was asked. */
export class GovernedCall {
  /** tries sent so far */
  sends = 0;
  /** the tenants whose probe the current try is */
  probeOf: Tenant[] | undefined;
  sentAt = 0;
  /** the current try is counted in its tenants' `inFlight` */
  counted = false;

  constructor(
    readonly tenants: readonly Tenant[],
    /** the call's address: its id (for the breaker's distinct calls) is made only when a try fails */
    readonly address: CallAddress,
    /** the operation that asked (round-robin within a tenant); the call itself when unknown */
    readonly origin: object,
    /** ms on the governor's clock: asked + UPSTREAM_MAX_WAIT_MS, moved on by the time its tries spent in flight */
    public deadline: number,
  ) {}
}

interface Waiter {
  readonly call: GovernedCall;
  /** the tenant whose queue holds it: the strictest of the call's (moved when another becomes so) */
  owner: Tenant;
  /** taken out of the queue for a cluster-wide reservation: waiting for it, or for its time */
  outOfQueue?: boolean;
  sendTimer?: NodeJS.Timeout;
  readonly grant: () => void;
  readonly refuse: (error: Error) => void;
  gone: boolean;
  unlisten: (() => void) | undefined;
  deadlineTimer: NodeJS.Timeout | undefined;
}

/**
 * A tenant's waiting calls: 429'd ones first, in order; then round-robin between origins
 * (operations), in arrival order within each. Waiters that left stay until their turn
 * (marked `gone`) and are skipped then.
 */
class TenantQueue {
  readonly #first: Waiter[] = [];
  readonly #byOrigin = new Map<object, Waiter[]>();
  /** live waiters */
  size = 0;

  push(waiter: Waiter, atHead: boolean): void {
    this.size++;
    if (atHead) {
      this.#first.push(waiter);
      return;
    }
    const list = this.#byOrigin.get(waiter.call.origin);
    if (list) list.push(waiter);
    else this.#byOrigin.set(waiter.call.origin, [waiter]);
  }

  /** The next waiter (possibly gone), without removing it. */
  peek(): Waiter | undefined {
    if (this.#first.length > 0) return this.#first[0];
    const next = this.#byOrigin.values().next();
    return next.done ? undefined : next.value[0];
  }

  /** Removes what `peek` returned; its origin's turn passes to the next one. */
  shift(): void {
    if (this.#first.length > 0) {
      this.#first.shift();
      return;
    }
    const next = this.#byOrigin.entries().next();
    if (next.done) return;
    const [origin, list] = next.value;
    list.shift();
    this.#byOrigin.delete(origin);
    if (list.length > 0) this.#byOrigin.set(origin, list);
  }

  /** Back at the very front (a reservation Redis could not make). */
  pushFront(waiter: Waiter): void {
    this.size++;
    this.#first.unshift(waiter);
  }

  /** Every waiter, emptied (the breaker opened). */
  drain(): Waiter[] {
    const all = [...this.#first];
    for (const list of this.#byOrigin.values()) all.push(...list);
    this.#first.length = 0;
    this.#byOrigin.clear();
    this.size = 0;
    return all;
  }
}

const SWEEP_EVERY_MS = 10_000;
/** How long refusals of one tenant share one TOO_MANY_REQUESTS error (its retryAfterMs stays about right). */
const REFUSAL_SHARED_MS = 100;
/** a tenant idle this long is forgotten, whatever it learned */
const FORGET_IDLE_MS = 10 * 60_000;
/** lessons about tenants not seen yet: how many are kept, and how long one counts */
const MAX_KEPT_LESSONS = 10_000;
const LESSON_KEPT_MS = 60_000;
/** after Redis failed a reservation, how long a tenant is paced locally before asking it again */
const SHARED_RETRY_MS = 1000;
const startedAt = Date.now() - performance.now();
const monotonicNow = (): number => startedAt + performance.now();

export class UpstreamGovernor {
  readonly #options: GovernorOptions;
  readonly #now: () => number;
  readonly #tenants = new Map<string, Tenant>();
  readonly #refused = { breaker: 0, wait: 0, queue: 0 };
  /** lessons of other instances about tenants this one has not seen yet, by fingerprint */
  readonly #lessons = new Map<string, { lesson: PaceLesson; at: number }>();
  #waiting = 0;
  #lastSweep = 0;

  constructor(options: GovernorOptions) {
    this.#options = options;
    this.#now = options.now ?? monotonicNow;
  }

  stats(): GovernorStats {
    const now = this.#now();
    let pacedTenants = 0;
    let breakersOpen = 0;
    for (const tenant of this.#tenants.values()) {
      if (tenant.pace.paced(now)) pacedTenants++;
      if (tenant.breaker.open) breakersOpen++;
    }
    return { pacedTenants, breakersOpen, waiting: this.#waiting, refused: { ...this.#refused } };
  }

  /** Starts governing the tries of one call (at `address`) asked by `origin`. */
  begin(tenantIds: readonly string[], address: CallAddress, origin: object | undefined): GovernedCall {
    const now = this.#now();
    if (now - this.#lastSweep >= SWEEP_EVERY_MS) this.#sweep(now);
    const tenants = tenantIds.length === 1 ? [this.#tenant(tenantIds[0] as string)] : tenantIds.map((id) => this.#tenant(id));
    for (const tenant of tenants) tenant.lastUsed = now;
    return new GovernedCall(tenants, address, origin ?? address, now + this.#options.maxWaitMs);
  }

  /**
   * May `call` send its next try? `undefined`: yes, now. A promise: it resolves when it may,
   * and rejects with RATE_LIMITED / UPSTREAM_UNAVAILABLE / TOO_MANY_REQUESTS (unsent) or
   * `CancelledError`. Throws those at once when they are already certain.
   * `first`: the call was refused with 429 and keeps its place at the head of the queue.
   */
  admit(call: GovernedCall, cancellation: Cancellation | undefined, first = false): Promise<void> | undefined {
    const now = this.#now();
    const tenants = call.tenants;
    // A call of several tenants queues behind the strictest; the others' calls go on meanwhile.
    let owner = tenants[0] as Tenant;
    let ready = owner.pace.readyAt(now);
    let open = owner.breaker.open;
    for (let i = 1; i < tenants.length; i++) {
      const tenant = tenants[i] as Tenant;
      const at = tenant.pace.readyAt(now);
      if (at > ready || (at === ready && tenant.queue.size > owner.queue.size)) {
        ready = at;
        owner = tenant;
      }
      if (tenant.breaker.open) open = true;
    }
    if (ready <= now && owner.queue.size === 0 && !open && !this.#sharesPaceOf(call, now)) {
      this.#send(call, now, false);
      return undefined;
    }
    if (open) {
      // A probe may go at once; otherwise the breaker refuses before anything waits.
      const refusal = this.#breakerRefusal(call, now);
      if (refusal) throw refusal;
      if (ready <= now && owner.queue.size === 0 && !this.#sharesPaceOf(call, now)) {
        this.#send(call, now, false);
        return undefined;
      }
      this.#dropProbe(call);
    }
    for (const tenant of tenants) {
      if (tenant.waiting >= this.#options.maxWaitingPerTenant) {
        throw this.#tooMany(tenant, now, true);
      }
    }
    let predicted = 0;
    for (const tenant of tenants) predicted = Math.max(predicted, tenant.pace.predictWaitMs(now, first ? 0 : tenant.queue.size));
    if (now + predicted > call.deadline) {
      this.#refused.wait++;
      throw this.#rateLimited(predicted, call);
    }
    if (cancellation?.cancelled) throw CANCELLED_ERROR;
    return new Promise<void>((grant, refuse) => {
      const waiter: Waiter = { call, owner, grant, refuse, gone: false, unlisten: undefined, deadlineTimer: undefined };
      owner.queue.push(waiter, first);
      for (const tenant of tenants) tenant.waiting++;
      this.#waiting++;
      waiter.deadlineTimer = setTimeout(() => {
        this.#refused.wait++;
        this.#leave(waiter, this.#rateLimited(this.#predictMs(call), call));
      }, Math.max(0, call.deadline - now)).unref();
      if (cancellation) waiter.unlisten = cancellation.listen(() => this.#leave(waiter, CANCELLED_ERROR));
      this.#schedule(owner, now);
    });
  }

  /**
   * A try of `call` ended. For a 429, the tenant pauses and learns; the caller decides
   * whether the call goes again (`admit(call, …, true)`) or fails.
   */
  finished(call: GovernedCall, result: TryResult, retryAfterMs: number | undefined, headers: RateLimitHeaderValues | undefined): void {
    const now = this.#now();
    const probes = call.probeOf;
    call.probeOf = undefined;
    this.#uncount(call);
    // The wait budget is for waits: the time a try spent in flight is not waiting.
    if (result !== 'cancelled') call.deadline += Math.max(0, now - call.sentAt);
    for (const tenant of call.tenants) {
      const wasProbe = probes?.includes(tenant) === true;
      if (headers) {
        const announced = announcedLimitOf(headers, Date.now());
        tenant.pace.announced(now, announced.perSecond, announced.remaining, announced.resetMs);
      }
      switch (result) {
        case 'accepted':
          tenant.pace.accepted(call.sentAt);
          this.#breakerChanged(tenant, tenant.breaker.finished(now, undefined, wasProbe));
          break;
        case 'failed':
          this.#breakerChanged(tenant, tenant.breaker.finished(now, addressKeyOf(call.address), wasProbe));
          break;
        case 'limited':
          if (tenant.pace.limited(now, retryAfterMs)) {
            this.#options.sharedPace?.publish(tenant.id, { rate: tenant.pace.rate as number, pauseMs: tenant.pace.pausedUntil - now });
          }
          if (wasProbe) tenant.breaker.probeDropped();
          break;
        case 'cancelled':
          if (wasProbe) tenant.breaker.probeDropped();
          break;
      }
    }
  }

  /**
   * `call`, admitted, waits for an upstream slot (talkstack/scheduler.ts): it counts as waiting
   * for each of its tenants, so MAX_WAITING_CALLS_PER_TENANT bounds both waits together (a
   * tenant with no pace waits only for slots: without this its queue had no bound). Throws
   * TOO_MANY_REQUESTS, the try handed back unsent, when a tenant is at its limit; else returns
   * the function that ends the wait (idempotent).
   */
  waitForSlot(call: GovernedCall): () => void {
    const now = this.#now();
    for (const tenant of call.tenants) {
      if (tenant.waiting >= this.#options.maxWaitingPerTenant) {
        call.sends--;
        this.#uncount(call);
        this.#dropProbe(call);
        throw this.#tooMany(tenant, now, call.sends === 0);
      }
    }
    for (const tenant of call.tenants) tenant.waiting++;
    let waiting = true;
    return () => {
      if (!waiting) return;
      waiting = false;
      for (const tenant of call.tenants) tenant.waiting--;
    };
  }

  /**
   * Still allowed to go, now that it holds a slot? A try admitted before its tenant's breaker
   * opened, and queued for a slot since, is refused (UPSTREAM_UNAVAILABLE) rather than sent
   * into the failing upstream; the breaker's probe is always allowed.
   */
  refusalAfterWait(call: GovernedCall): RetryLaterError | undefined {
    if (call.probeOf !== undefined) return undefined;
    for (const tenant of call.tenants) {
      if (tenant.breaker.open) {
        // This try goes nowhere; `unsent` only when no earlier try of the call went either.
        const admitted = call.counted;
        this.#uncount(call);
        return this.#unavailable(tenant, this.#now(), call.sends - (admitted ? 1 : 0) === 0);
      }
    }
    return undefined;
  }

  /**
   * Not paused since it was admitted? A try admitted before a 429 paused its tenant, and
   * queued for a slot since, must not go out during the pause: false hands it back (the
   * caller gives the slot back and admits it again, at the head of the queue; this send is
   * not counted).
   */
  stillUnpaused(call: GovernedCall): boolean {
    const now = this.#now();
    for (const tenant of call.tenants) {
      if (tenant.pace.pausedUntil > now) {
        call.sends--;
        this.#uncount(call);
        this.#dropProbe(call);
        return false;
      }
    }
    return true;
  }

  /** ms from now until `call` could go again after a 429: past its budget, it fails instead. */
  fitsBudget(call: GovernedCall): boolean {
    const now = this.#now();
    return now + this.#predictMs(call) <= call.deadline;
  }

  /** RATE_LIMITED for a call that was sent and refused on its last allowed try. */
  limitedError(call: GovernedCall): RetryLaterError {
    return rateLimited(this.#predictMs(call));
  }

  /**
   * Sleeps `ms` before a retry; rejects with UPSTREAM_UNAVAILABLE as soon as one of the
   * call's tenants' breaker opens, or with `CancelledError`.
   */
  retryWait(call: GovernedCall, ms: number, cancellation: Cancellation | undefined): Promise<void> {
    if (cancellation?.cancelled) return Promise.reject(CANCELLED_ERROR);
    return new Promise<void>((resolve, reject) => {
      let unlisten: (() => void) | undefined;
      const done = (error?: Error) => {
        clearTimeout(timer);
        unlisten?.();
        for (const tenant of call.tenants) tenant.sleepers.delete(wake);
        if (error) reject(error);
        else resolve();
      };
      const wake = (error: RetryLaterError) => done(error);
      const timer = setTimeout(done, ms).unref();
      for (const tenant of call.tenants) tenant.sleepers.add(wake);
      if (cancellation) unlisten = cancellation.listen(() => done(CANCELLED_ERROR));
    });
  }

  #tenant(id: string): Tenant {
    let tenant = this.#tenants.get(id);
    if (!tenant) {
      this.#tenants.set(id, (tenant = new Tenant(id, this.#options.rateLimit)));
      this.#learnKept(tenant);
    }
    return tenant;
  }

  /** A new tenant takes what another instance taught about it, if that is recent. */
  #learnKept(tenant: Tenant): void {
    const shared = this.#options.sharedPace;
    if (!shared || this.#lessons.size === 0) return;
    const fingerprint = shared.fingerprintOf(tenant.id);
    const kept = this.#lessons.get(fingerprint);
    if (!kept) return;
    this.#lessons.delete(fingerprint);
    const now = this.#now();
    if (now - kept.at > LESSON_KEPT_MS) return;
    tenant.pace.adopt(now, kept.lesson.rate, Math.max(0, kept.lesson.pauseMs - (now - kept.at)));
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    for (const [id, tenant] of this.#tenants) if (tenant.forgettable(now)) this.#tenants.delete(id);
  }

  /**
   * TOO_MANY_REQUESTS for a call of `tenant` (MAX_WAITING_CALLS_PER_TENANT). A flood is refused
   * tens of thousands of times a second, and each refusal becomes a located error per entry:
   * with an error object (and a stack to format) per refusal, one WebSocket's 200 messages of
   * 500 sids took 7 s of CPU. The refusals of one tenant within REFUSAL_SHARED_MS share one.
   */
  #tooMany(tenant: Tenant, now: number, unsent: boolean): TooManyRequestsError {
    this.#refused.queue++;
    const shared = unsent ? tenant.refusal : undefined;
    if (shared && now - shared.at < REFUSAL_SHARED_MS) return shared.error;
    const error = new TooManyRequestsError(
      'Too many calls of this credential are already waiting for Talkstack (MAX_WAITING_CALLS_PER_TENANT); try again later.',
      Math.ceil(tenant.pace.predictWaitMs(now, tenant.waiting)) || 1000,
      unsent,
    );
    if (unsent) tenant.refusal = { error, at: now };
    return error;
  }

  /** The expected wait before `call` could be sent, given its tenants' pace and queues. */
  #predictMs(call: GovernedCall): number {
    const now = this.#now();
    let predicted = 0;
    for (const tenant of call.tenants) predicted = Math.max(predicted, tenant.pace.predictWaitMs(now, 0));
    return predicted;
  }

  #rateLimited(retryAfterMs: number, call: GovernedCall): RetryLaterError {
    return new RateLimitedError(
      'Talkstack rate limit: this call could not be sent within UPSTREAM_MAX_WAIT_MS; try again later.',
      Math.max(1, retryAfterMs),
      call.sends === 0,
    );
  }

  /** Takes the breakers' say for a try about to go: an error when one refuses (the probe slots it took are given back). */
  #breakerRefusal(call: GovernedCall, now: number): RetryLaterError | undefined {
    // A probe the call holds already (taken, then it had to wait) stays its own.
    let probes: Tenant[] | undefined = call.probeOf;
    for (const tenant of call.tenants) {
      if (probes?.includes(tenant)) continue;
      const admission = tenant.breaker.admit(now);
      if (admission === 'probe') (probes ??= []).push(tenant);
      else if (admission === 'refuse') {
        for (const probe of probes ?? []) probe.breaker.probeDropped(true);
        call.probeOf = undefined;
        return this.#unavailable(tenant, now, call.sends === 0);
      }
    }
    call.probeOf = probes;
    return undefined;
  }

  /** Gives back the probe slots a call took but will not use now (it waits instead). */
  #dropProbe(call: GovernedCall): void {
    for (const tenant of call.probeOf ?? []) tenant.breaker.probeDropped(true);
    call.probeOf = undefined;
  }

  #send(call: GovernedCall, now: number, backlogged: boolean): void {
    for (const tenant of call.tenants) {
      tenant.pace.take(now, backlogged);
      tenant.inFlight++;
    }
    call.counted = true;
    call.sends++;
    call.sentAt = now;
  }

  /** The current try is over (finished, or handed back unsent): its tenants forget it. */
  #uncount(call: GovernedCall): void {
    if (!call.counted) return;
    call.counted = false;
    for (const tenant of call.tenants) tenant.inFlight--;
  }

  /** A waiter leaves the queue before its turn: cancelled, or past its budget. */
  #leave(waiter: Waiter, error: Error): void {
    if (waiter.gone) return;
    this.#forgetWaiter(waiter);
    this.#dropProbe(waiter.call);
    if (!waiter.outOfQueue) waiter.owner.queue.size--;
    waiter.refuse(error);
    // It may have been the head: the next one's time may be sooner than the timer set for it.
    this.#schedule(waiter.owner, this.#now());
  }

  #forgetWaiter(waiter: Waiter): void {
    waiter.gone = true;
    clearTimeout(waiter.deadlineTimer);
    clearTimeout(waiter.sendTimer);
    waiter.unlisten?.();
    for (const tenant of waiter.call.tenants) tenant.waiting--;
    this.#waiting--;
  }

  /** Wakes the tenant's queue when its head may go. */
  #schedule(tenant: Tenant, now: number): void {
    const head = this.#head(tenant);
    if (!head) return;
    let at = now;
    for (const each of head.call.tenants) at = Math.max(at, each.pace.readyAt(now));
    if (tenant.timer !== undefined && tenant.timerAt <= at) return;
    clearTimeout(tenant.timer);
    tenant.timerAt = at;
    tenant.timer = setTimeout(() => this.#pump(tenant), Math.max(0, at - now)).unref();
  }

  /** The first live waiter, dropping those that left. */
  #head(tenant: Tenant): Waiter | undefined {
    let head = tenant.queue.peek();
    while (head?.gone) {
      tenant.queue.shift();
      head = tenant.queue.peek();
    }
    return head;
  }

  /** Sends every waiter whose time has come, in queue order, then sleeps until the next one's. */
  #pump(tenant: Tenant): void {
    tenant.timer = undefined;
    tenant.timerAt = Infinity;
    const now = this.#now();
    const shared = this.#options.sharedPace;
    for (let head = this.#head(tenant); head; head = this.#head(tenant)) {
      const call = head.call;
      if (shared && this.#sharesPaceOf(call, now)) {
        // Cluster-wide: one reservation at a time per queue keeps the order; their waits overlap.
        if (tenant.reserving) return;
        tenant.queue.shift();
        tenant.queue.size--;
        head.outOfQueue = true;
        tenant.reserving = true;
        void this.#reserveShared(tenant, head, shared).finally(() => {
          tenant.reserving = false;
          this.#pump(tenant);
        });
        return;
      }
      let ready = now;
      let strictest = tenant;
      for (const each of call.tenants) {
        const at = each.pace.readyAt(now);
        if (at > ready) {
          ready = at;
          strictest = each;
        }
      }
      if (ready > now) {
        // Held back by another of its tenants only: it waits in that one's queue, so this
        // tenant's own calls behind it are not held back too.
        if (strictest !== tenant && tenant.pace.readyAt(now) <= now) {
          tenant.queue.shift();
          tenant.queue.size--;
          head.owner = strictest;
          strictest.queue.push(head, false);
          this.#schedule(strictest, now);
          continue;
        }
        break;
      }
      tenant.queue.shift();
      tenant.queue.size--;
      this.#goNow(head, tenant, now);
    }
    this.#schedule(tenant, now);
  }

  /** `waiter`'s turn has come (out of `tenant`'s queue): it is sent, unless its breaker opened meanwhile. */
  #goNow(waiter: Waiter, tenant: Tenant, now: number): void {
    this.#forgetWaiter(waiter);
    const refusal = this.#breakerRefusal(waiter.call, now);
    if (refusal) {
      waiter.refuse(refusal);
      return;
    }
    this.#send(waiter.call, now, tenant.queue.size > 0);
    waiter.grant();
  }

  /** Paced through Redis: a shared pace is configured and usable, and one of the call's tenants has a rate. */
  #sharesPaceOf(call: GovernedCall, now: number): boolean {
    if (!this.#options.sharedPace) return false;
    for (const tenant of call.tenants) if (tenant.pace.rate !== undefined && tenant.sharedDownUntil <= now) return true;
    return false;
  }

  /** Asks Redis for `waiter`'s send time, then sends it then; Redis unable: back to the local queue. */
  async #reserveShared(tenant: Tenant, waiter: Waiter, shared: SharedPace): Promise<void> {
    const call = waiter.call;
    // The strictest paced tenant of the call speaks for it.
    let paced: Tenant | undefined;
    for (const each of call.tenants) if (each.pace.rate !== undefined && (paced === undefined || (each.pace.rate as number) < (paced.pace.rate as number))) paced = each;
    if (!paced) return;
    const now = this.#now();
    const wait = await shared.reserve(paced.id, paced.pace.rate as number, paced.pace.pausedUntil - now, call.deadline - now);
    if (waiter.gone) return;
    if (wait === undefined) {
      for (const each of call.tenants) each.sharedDownUntil = this.#now() + SHARED_RETRY_MS;
      waiter.outOfQueue = false;
      tenant.queue.pushFront(waiter);
      return;
    }
    if (wait === 'over') {
      this.#refused.wait++;
      this.#leave(waiter, this.#rateLimited(Math.max(1, paced.pace.predictWaitMs(this.#now(), tenant.queue.size)), call));
      return;
    }
    const send = () => {
      if (!waiter.gone) this.#goNow(waiter, tenant, this.#now());
    };
    if (wait <= 0) send();
    else waiter.sendTimer = setTimeout(send, wait).unref();
  }

  /**
   * What another instance learned about a tenant (sharedPace.ts): applied to the tenant when
   * this instance has it, else kept (a while, bounded) for when its first call comes.
   */
  applyLesson(tenantFingerprint: string, lesson: PaceLesson): void {
    const shared = this.#options.sharedPace;
    if (!shared) return;
    const now = this.#now();
    let applied = false;
    for (const tenant of this.#tenants.values()) {
      if (shared.fingerprintOf(tenant.id) !== tenantFingerprint) continue;
      tenant.pace.adopt(now, lesson.rate, lesson.pauseMs);
      applied = true;
    }
    if (applied) return;
    if (this.#lessons.size >= MAX_KEPT_LESSONS) this.#lessons.delete(this.#lessons.keys().next().value as string);
    this.#lessons.set(tenantFingerprint, { lesson, at: now });
  }

  /** UPSTREAM_UNAVAILABLE for a call refused by `tenant`'s open breaker (counted as such). */
  #unavailable(tenant: Tenant, now: number, unsent: boolean): RetryLaterError {
    this.#refused.breaker++;
    return new UpstreamUnavailableError(
      'Talkstack is failing for this credential (circuit breaker open); the call was not sent. Try again later.',
      Math.max(1, tenant.breaker.retryAfterMs(now)),
      unsent,
    );
  }

  #breakerChanged(tenant: Tenant, change: 'opened' | 'closed' | undefined): void {
    if (change === undefined) return;
    this.#options.onBreaker?.(tenant.id, change === 'opened');
    if (change === 'closed') return;
    // Opened: nothing of this tenant waits for a failing upstream any more.
    const now = this.#now();
    const error = (unsent: boolean) => this.#unavailable(tenant, now, unsent);
    for (const waiter of tenant.queue.drain()) {
      if (waiter.gone) continue;
      this.#forgetWaiter(waiter);
      this.#dropProbe(waiter.call);
      waiter.refuse(error(waiter.call.sends === 0));
    }
    // A retry wait follows a try that was sent.
    for (const wake of [...tenant.sleepers]) wake(error(false));
  }
}
