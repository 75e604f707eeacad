/**
 * Tenants of the simulator: which credential belongs to which account, and each account's
 * projects and calls. Keeping calls per account (not per project id) is what lets tests
 * prove that a client never serves one credential's data to another.
 *
 * Bodies are serialized when stored, not when served: a request only picks bytes.
 */
import { DEMO_API_KEY, DEMO_BEARER_TOKEN, DEMO_CALLS, DEMO_ERRORS_API_KEY, DEMO_LIVE_CALLS, DEMO_PROJECT_ID } from './demoData.js';
import { DEMO_STANDING } from './demoErrorStates.js';
import { compileFault, type FaultAction, prepareJson, type PreparedResponse } from './faults.js';
import { lifecycleBodies, lifecycleStage } from './lifecycle.js';
import type { RollingLiveCalls } from './rollingLiveCalls.js';

export const DEMO_ACCOUNT = 'demo';

export interface AccountOptions {
  /** Keys accepted in `x-api-key`. */
  apiKeys?: string[];
  /** Tokens accepted in `Authorization: Bearer <token>`. */
  bearerTokens?: string[];
  /** Start with a copy of the demo project (its own copy: changes stay in this account). */
  seedDemo?: boolean;
}

export interface Clock {
  readonly now: () => number;
  readonly startedAt: number;
  readonly stepMs: number;
}

type Entry =
  | { readonly kind: 'static'; readonly response: PreparedResponse }
  | { readonly kind: 'live'; readonly responses: readonly PreparedResponse[]; readonly startsAfterSteps: number }
  /** a demo error state: `action` for every request; after a `delay`, `response` */
  | { readonly kind: 'standing'; readonly action: FaultAction; readonly response: PreparedResponse | undefined };

export interface Account {
  readonly name: string;
  readonly projects: Map<string, Map<string, Entry>>;
  /** seeded with the demo project: its rolling live calls exist for this account too */
  readonly demo: boolean;
}

const BEARER = /^bearer\s+(\S+)\s*$/i;

export class AccountRegistry {
  readonly #accounts = new Map<string, Account>();
  readonly #byApiKey = new Map<string, Account>();
  readonly #byBearer = new Map<string, Account>();
  readonly #clock: Clock;
  readonly #rolling: RollingLiveCalls;
  // Demo bodies depend only on the clock: serialize them once, share them between accounts.
  #demoEntries: Map<string, Entry> | undefined;

  constructor(clock: Clock, rolling: RollingLiveCalls) {
    this.#clock = clock;
    this.#rolling = rolling;
  }

  add(name: string, options: AccountOptions = {}): void {
    if (typeof name !== 'string' || name === '') throw new TypeError('account name must be a non-empty string');
    if (this.#accounts.has(name)) throw new Error(`account ${name} already exists`);
    const apiKeys = options.apiKeys ?? [];
    const tokens = options.bearerTokens ?? [];
    // Check everything before changing anything, so a refused account leaves no trace.
    for (const key of apiKeys) this.#checkFree(this.#byApiKey, key, 'api key');
    for (const token of tokens) this.#checkFree(this.#byBearer, token, 'bearer token');
    const account: Account = { name, projects: new Map(), demo: options.seedDemo === true };
    this.#accounts.set(name, account);
    for (const key of apiKeys) this.#byApiKey.set(key, account);
    for (const token of tokens) this.#byBearer.set(token, account);
    if (options.seedDemo) account.projects.set(DEMO_PROJECT_ID, new Map(this.#demo()));
  }

  /**
   * More credentials for an existing account: the same calls reached with another key, as a
   * second key of one customer would (tests give each suite a key of its own, so one suite's
   * rate limits and outages never touch another's).
   */
  addCredentials(name: string, { apiKeys = [], bearerTokens = [] }: Pick<AccountOptions, 'apiKeys' | 'bearerTokens'>): void {
    const account = this.#accounts.get(name);
    if (!account) throw new Error(`no account ${name}`);
    for (const key of apiKeys) this.#checkFree(this.#byApiKey, key, 'api key');
    for (const token of bearerTokens) this.#checkFree(this.#byBearer, token, 'bearer token');
    for (const key of apiKeys) this.#byApiKey.set(key, account);
    for (const token of bearerTokens) this.#byBearer.set(token, account);
  }

  /** The default tenant: the demo credentials and the demo project. */
  addDemo(seed: boolean): void {
    this.add(DEMO_ACCOUNT, { apiKeys: [DEMO_API_KEY, DEMO_ERRORS_API_KEY], bearerTokens: [DEMO_BEARER_TOKEN], seedDemo: seed });
  }

  /**
   * The account a request acts for. With both headers, either known credential is enough;
   * when both are known, the api key decides.
   */
  authenticate(apiKey: string | undefined, authorization: string | undefined): Account | undefined {
    if (apiKey !== undefined) {
      const account = this.#byApiKey.get(apiKey);
      if (account) return account;
    }
    if (authorization !== undefined) {
      const token = BEARER.exec(authorization)?.[1];
      if (token !== undefined) return this.#byBearer.get(token);
    }
    return undefined;
  }

  /** Bytes to answer with, or undefined for an unknown project or call. */
  response(account: Account, projectId: string, sid: string): PreparedResponse | undefined {
    const entry = account.projects.get(projectId)?.get(sid);
    if (!entry) return account.demo && projectId === DEMO_PROJECT_ID ? this.#rolling.response(sid, this.#clock.now()) : undefined;
    if (entry.kind !== 'live') return entry.response;
    const clock = this.#clock;
    return entry.responses[lifecycleStage(clock.now() - clock.startedAt, clock.stepMs, entry.startsAfterSteps)];
  }

  /** What the call does instead of (or, for a delay, before) answering; undefined for ordinary calls. */
  standing(account: Account, projectId: string, sid: string): FaultAction | undefined {
    const entry = account.projects.get(projectId)?.get(sid);
    return entry?.kind === 'standing' ? entry.action : undefined;
  }

  set(accountName: string, projectId: string, sid: string, body: unknown): void {
    const account = this.#get(accountName);
    let project = account.projects.get(projectId);
    if (!project) account.projects.set(projectId, (project = new Map()));
    project.set(sid, { kind: 'static', response: prepareJson(200, body) });
  }

  delete(accountName: string, projectId: string, sid: string): boolean {
    return this.#get(accountName).projects.get(projectId)?.delete(sid) ?? false;
  }

  /** A fresh copy of what the call answers right now (lifecycle included). */
  get(accountName: string, projectId: string, sid: string): unknown {
    const response = this.response(this.#get(accountName), projectId, sid);
    // Error states have no call to show (their `response` is undefined), like unknown calls.
    return response ? JSON.parse(response.body.toString('utf8')) : undefined;
  }

  #get(name: string): Account {
    const account = this.#accounts.get(name);
    if (!account) throw new Error(`unknown account ${name}`);
    return account;
  }

  #checkFree(map: Map<string, Account>, credential: string, what: string): void {
    if (typeof credential !== 'string' || credential === '') throw new TypeError(`${what} must be a non-empty string`);
    const owner = map.get(credential);
    if (owner) throw new Error(`${what} already belongs to account ${owner.name}`);
  }

  #demo(): Map<string, Entry> {
    if (this.#demoEntries) return this.#demoEntries;
    const { startedAt, stepMs } = this.#clock;
    const entries = new Map<string, Entry>();
    for (const call of DEMO_CALLS) entries.set(call.sid, { kind: 'static', response: prepareJson(200, call.body) });
    for (const call of DEMO_LIVE_CALLS) {
      entries.set(call.sid, {
        kind: 'live',
        responses: lifecycleBodies(call, startedAt, stepMs).map((body) => prepareJson(200, body)),
        startsAfterSteps: call.startsAfterSteps,
      });
    }
    for (const { sid, fault, body } of DEMO_STANDING) {
      entries.set(sid, { kind: 'standing', action: compileFault(fault), response: body && prepareJson(200, body) });
    }
    return (this.#demoEntries = entries);
  }
}
