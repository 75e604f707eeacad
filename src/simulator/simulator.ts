/**
 * A real HTTP server speaking Talkstack's "get call data" protocol, for demos, tests and
 * benchmarks. Tests drive it through its methods (accounts, calls, faults, latency) and
 * observe the client through its counters and request log.
 *
 * Order of a `POST /call`: outage and hang switches (outage.ts: the upstream is down for
 * everyone, whatever the request) → body size limit → fault (matched on the body's sid, before
 * auth, so a fault hits any request for that sid) → auth → rate limit (rateLimit.ts: per
 * credential, so only authenticated requests cost a token) → body validation → the demo
 * project's standing error states (demoErrorStates.ts) → lookup (stored calls, then the
 * synthetic project).
 *
 * The misbehaviour switches (rate limit, outage, hang) are off unless asked for: demo mode
 * never asks. `admin: true` adds `POST /__admin` (admin.ts) to switch them at run time.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { API_KEY_HEADER, AUTHORIZATION_HEADER, CALL_PATH } from '../talkstack/wire.js';
import { AccountRegistry, DEMO_ACCOUNT, type AccountOptions } from './accounts.js';
import {
  ADMIN_PATH,
  AdminInputError,
  isLoopbackAddress,
  isLoopbackHost,
  parseAdminChange,
  type AdminChange,
  type MisbehaviourState,
} from './admin.js';
import {
  FaultTable,
  prepareJson,
  type Fault,
  type FaultAction,
  type FaultHandle,
  type FaultMatch,
  type PreparedResponse,
} from './faults.js';
import { DEFAULT_LIFECYCLE_STEP_MS } from './lifecycle.js';
import { checkOutage, Listener, type OutageMode } from './outage.js';
import { checkRateLimit, RateLimiter, type RateLimitOptions } from './rateLimit.js';
import { RollingLiveCalls, type RollingLiveCall, type RollingSchedule } from './rollingLiveCalls.js';
import { sendStream } from './stream.js';
import { SyntheticCalls } from './synthetic.js';

export interface SimulatorOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Added before every `/call` answer (faults' delays add to it). Default 0. */
  latencyMs?: number;
  /** Time each live demo call spends in each temporary stage. Default 8000. */
  lifecycleStepMs?: number;
  /**
   * How often a new rolling live call is born in the demo project (see `rollingLiveCalls.ts`).
   * Default 2.5 lifecycle steps (20 s).
   */
  liveCallIntervalMs?: number;
  /** Clock for the lifecycle and the request log's `at`. Default `Date.now`. */
  now?: () => number;
  /** Fill the demo account's project with the demo calls. Default true. */
  seedDemo?: boolean;
  /** Largest accepted request body; bigger gets 413. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Entries kept in `requestLog`. Default 10,000. */
  requestLogLimit?: number;
  /**
   * For benchmarks: a projectId where every sid matching `/^[A-Za-z0-9_-]{1,64}$/` exists, for
   * any account. Unstored sids get a call derived from the sid (same sid, same bytes): in
   * progress when the sid starts with `CAlive`, else completed with every field. Stored calls
   * and faults still win. Default: none.
   */
  syntheticProject?: string;
  /** A per-credential rate limit from the start (see {@link Simulator.setRateLimit}). Default none. */
  rateLimit?: RateLimitOptions;
  /** An outage from the start (see {@link Simulator.setOutage}); `'refuse'` still takes a port first, to come back on. Default `'off'`. */
  outage?: OutageMode;
  /** Hang every `POST /call` from the start (see {@link Simulator.setHang}). Default false. */
  hang?: boolean;
  /**
   * Serve `POST /__admin` (admin.ts) to loopback peers, to switch the misbehaviour at run time.
   * Needs a loopback `host`. Default false: `/__admin` is a plain 404.
   */
  admin?: boolean;
}

export interface SimulatorStats {
  /** Every `POST /call` received, faulted or not. */
  requests: number;
  /** Requests per sid found in the body. */
  readonly bySid: Map<string, number>;
  /** Requests received and not yet answered (nor abandoned by the client). */
  inFlight: number;
  maxInFlight: number;
  /** 429s answered by the rate limit (not by faults or the demo's error states). */
  rateLimited: number;
}

export interface RequestLogEntry {
  sid?: string;
  projectId?: string;
  /** Raw `Authorization` header, as received. */
  authorization?: string;
  /** Raw `x-api-key` header, as received. */
  apiKey?: string;
  /** Raw W3C `traceparent` header, as received (tracing). */
  traceparent?: string;
  /** Raw W3C `tracestate` header, as received (tracing: the server never forwards a client's). */
  tracestate?: string;
  /** The status answered, or what was done instead (`wire`: bytes written past Node's HTTP writer). */
  status: number | 'hang' | 'reset' | 'wire';
  /** `now()` when the request arrived. */
  at: number;
}

export interface Simulator {
  /** `http://<host>:<port>`, no trailing slash: usable as `TALKSTACK_API_URL`. */
  readonly url: string;
  readonly port: number;
  readonly stats: Readonly<SimulatorStats>;
  /** The last `requestLogLimit` requests, oldest first. */
  readonly requestLog: readonly RequestLogEntry[];
  addAccount(name: string, options?: AccountOptions): void;
  /** More keys or tokens for an existing account (the demo account included): its calls, another credential. */
  addCredentials(account: string, credentials: Pick<AccountOptions, 'apiKeys' | 'bearerTokens'>): void;
  /** Store a call's 200 body; `unknown` so tests can store wrong shapes. Replaces a live demo call. */
  setCall(projectId: string, sid: string, body: unknown, account?: string): void;
  deleteCall(projectId: string, sid: string, account?: string): boolean;
  /** What the call answers now (a copy, synthetic calls included), or undefined when unknown. */
  getCall(projectId: string, sid: string, account?: string): unknown;
  /** The demo project's rolling live calls that are not completed at `now()`, newest first. */
  liveCalls(): RollingLiveCall[];
  /**
   * The demo project's next rolling live call, born within one interval of `now()`: its sid
   * answers `queued` already, so a watcher started now sees every state it goes through.
   * Only the clock decides it; asking creates nothing.
   */
  nextLiveCall(): RollingLiveCall;
  /** How often rolling live calls are born and how long they take. */
  readonly liveCallSchedule: RollingSchedule;
  setLatency(ms: number): void;
  injectFault(match: FaultMatch, fault: Fault): FaultHandle;
  clearFaults(): void;
  /**
   * A token bucket per credential value (the `x-api-key` header when present, else
   * `Authorization`), checked after auth: a 401 costs nothing. An empty bucket answers 429
   * `{"error":"rate limited"}` with a whole-second `Retry-After`. Replacing or removing
   * (`undefined`) the limit forgets every bucket.
   */
  setRateLimit(limit: RateLimitOptions | undefined): void;
  /**
   * `'off'`; a status 500..599 answered to every `POST /call` (after the latency); or
   * `'refuse'`: the port stops listening and open connections are destroyed (hanging requests
   * too), so clients get ECONNREFUSED, and `/__admin` is unreachable. Leaving `'refuse'` listens
   * again on the same port. Resolves once the port is in its new state; rejects (staying in
   * `'refuse'`) when the port was taken meanwhile. Switches take effect in call order.
   */
  setOutage(mode: OutageMode): Promise<void>;
  /**
   * Read every `POST /call` and never answer it, like a hang fault. Turning it off answers
   * new requests; those already hanging stay so until the client gives up.
   */
  setHang(on: boolean): void;
  /** The misbehaviour switches now, as `/__admin` answers them. */
  readonly misbehaviour: Readonly<MisbehaviourState>;
  /** Zeroes the counters and the log; `maxInFlight` restarts from what is in flight now. */
  resetStats(): void;
  /** Stops listening and destroys every socket, hanging requests included. Idempotent. */
  close(): Promise<void>;
}

const CALL_URL = `/${CALL_PATH}`;

const NOT_FOUND = prepareJson(404, { error: 'not found' });
const CALL_NOT_FOUND = prepareJson(404, { error: 'call not found' });
const UNAUTHORIZED = prepareJson(401, { error: 'unauthorized' });
const INVALID_JSON = prepareJson(400, { error: 'body must be JSON' });
const NOT_AN_OBJECT = prepareJson(400, { error: 'body must be a JSON object' });
const SID_REQUIRED = prepareJson(400, { error: 'sid is required' });
const PROJECT_REQUIRED = prepareJson(400, { error: 'projectId is required' });
const TOO_LARGE = prepareJson(413, { error: 'body too large' }, { connection: 'close' });
const RATE_LIMITED = prepareJson(429, { error: 'rate limited' });
const ADMIN_FORBIDDEN = prepareJson(403, { error: 'the admin route answers loopback clients only' });

/** Per-request bookkeeping: `inFlight` must drop exactly once, by answer or by disconnect. */
interface Exchange {
  readonly res: ServerResponse;
  done: boolean;
  timer: NodeJS.Timeout | undefined;
}

function checkMs(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${String(value)}`);
  }
  return value;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function field(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

class TalkstackSimulator implements Simulator {
  url = '';
  port = 0;
  readonly stats: SimulatorStats = { requests: 0, bySid: new Map(), inFlight: 0, maxInFlight: 0, rateLimited: 0 };

  readonly #server: Server;
  readonly #listener: Listener;
  readonly #accounts: AccountRegistry;
  readonly #faults = new FaultTable();
  readonly #now: () => number;
  readonly #maxBodyBytes: number;
  readonly #logLimit: number;
  readonly #syntheticProject: string | undefined;
  readonly #synthetic = new SyntheticCalls();
  readonly #rolling: RollingLiveCalls;
  #log: RequestLogEntry[] = [];
  #latencyMs: number;
  #closing: Promise<void> | undefined;
  readonly #admin: boolean;
  #limiter: RateLimiter | undefined;
  #outage: OutageMode = 'off';
  /** The answer of a 5xx outage, prepared once per switch. */
  #outageResponse: PreparedResponse | undefined;
  #hang: boolean;
  /** Port switches in call order: a listen still under way must finish before the next close. */
  #switching: Promise<void> = Promise.resolve();

  constructor(options: SimulatorOptions) {
    this.#now = options.now ?? Date.now;
    this.#latencyMs = checkMs('latencyMs', options.latencyMs ?? 0);
    const stepMs = options.lifecycleStepMs ?? DEFAULT_LIFECYCLE_STEP_MS;
    if (!(checkMs('lifecycleStepMs', stepMs) > 0)) throw new RangeError('lifecycleStepMs must be > 0');
    this.#maxBodyBytes = checkMs('maxBodyBytes', options.maxBodyBytes ?? 64 * 1024);
    this.#logLimit = Math.max(1, Math.floor(checkMs('requestLogLimit', options.requestLogLimit ?? 10_000)));
    this.#rolling = new RollingLiveCalls(stepMs, options.liveCallIntervalMs);
    this.#accounts = new AccountRegistry({ now: this.#now, startedAt: this.#now(), stepMs }, this.#rolling);
    this.#accounts.addDemo(options.seedDemo ?? true);
    const synthetic = options.syntheticProject;
    if (synthetic !== undefined && (typeof synthetic !== 'string' || synthetic === '')) {
      throw new TypeError('syntheticProject must be a non-empty string');
    }
    this.#syntheticProject = synthetic;
    if (options.admin !== undefined && typeof options.admin !== 'boolean') throw new TypeError('admin must be a boolean');
    this.#admin = options.admin ?? false;
    const host = options.host ?? '127.0.0.1';
    if (this.#admin && !isLoopbackHost(host)) {
      throw new RangeError(`admin needs a loopback host (127.0.0.1, ::1 or localhost), got ${host}`);
    }
    if (options.rateLimit !== undefined) this.setRateLimit(options.rateLimit);
    if (options.hang !== undefined && typeof options.hang !== 'boolean') throw new TypeError('hang must be a boolean');
    this.#hang = options.hang ?? false;
    this.#switchOutage(checkOutage(options.outage ?? 'off'));
    this.#server = createServer(this.#onRequest);
    this.#listener = new Listener(this.#server);
  }

  get requestLog(): readonly RequestLogEntry[] {
    // The log grows to twice its limit between trims (amortized O(1) per request); trim on read.
    if (this.#log.length > this.#logLimit) this.#log.splice(0, this.#log.length - this.#logLimit);
    return this.#log;
  }

  async listen(port: number, host: string): Promise<void> {
    this.port = await this.#listener.listen(port, host);
    this.url = `http://${urlHost(host)}:${this.port}`;
    // Listening first gives a 'refuse' outage a port to come back on.
    if (this.#outage === 'refuse') await this.#reconcilePort();
  }

  addCredentials(account: string, credentials: Pick<AccountOptions, 'apiKeys' | 'bearerTokens'>): void {
    this.#accounts.addCredentials(account, credentials);
  }

  addAccount(name: string, options?: AccountOptions): void {
    this.#accounts.add(name, options);
  }

  setCall(projectId: string, sid: string, body: unknown, account = DEMO_ACCOUNT): void {
    this.#accounts.set(account, projectId, sid, body);
  }

  deleteCall(projectId: string, sid: string, account = DEMO_ACCOUNT): boolean {
    return this.#accounts.delete(account, projectId, sid);
  }

  getCall(projectId: string, sid: string, account = DEMO_ACCOUNT): unknown {
    // A stored body is never undefined (it is JSON), so undefined means "not stored".
    const stored = this.#accounts.get(account, projectId, sid);
    if (stored !== undefined) return stored;
    const synthetic = this.#syntheticResponse(projectId, sid);
    return synthetic ? JSON.parse(synthetic.body.toString('utf8')) : undefined;
  }

  liveCalls(): RollingLiveCall[] {
    return this.#rolling.liveAt(this.#now());
  }

  nextLiveCall(): RollingLiveCall {
    return this.#rolling.upcomingAt(this.#now());
  }

  get liveCallSchedule(): RollingSchedule {
    return this.#rolling.schedule;
  }

  setLatency(ms: number): void {
    this.#latencyMs = checkMs('latency', ms);
  }

  injectFault(match: FaultMatch, fault: Fault): FaultHandle {
    return this.#faults.add(match, fault);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  setRateLimit(limit: RateLimitOptions | undefined): void {
    this.#limiter = limit === undefined ? undefined : new RateLimiter(checkRateLimit(limit), this.#now);
  }

  setOutage(mode: OutageMode): Promise<void> {
    return this.#setOutage(checkOutage(mode), undefined);
  }

  setHang(on: boolean): void {
    if (typeof on !== 'boolean') throw new TypeError('hang must be a boolean');
    this.#hang = on;
  }

  get misbehaviour(): Readonly<MisbehaviourState> {
    return { rateLimit: this.#limiter?.limit ?? null, outage: this.#outage, hang: this.#hang };
  }

  resetStats(): void {
    const stats = this.stats;
    stats.requests = 0;
    stats.bySid.clear();
    stats.maxInFlight = stats.inFlight;
    stats.rateLimited = 0;
    this.#log = [];
  }

  close(): Promise<void> {
    // After the port switches under way: closing during a listen would leave its callback unfired.
    this.#closing ??= this.#switching.then(
      () =>
        new Promise<void>((resolve) => {
          // close() alone waits for keep-alive and hanging sockets; destroy them so callers never hang.
          // Destroyed sockets close their responses, which clears pending delay timers (#finish).
          // In a 'refuse' outage nothing listens: close() then only waits for the sockets to go.
          this.#server.close(() => resolve());
          this.#server.closeAllConnections();
        }),
    );
    return this.#closing;
  }

  /** `spare`: the admin connection that asked, left open for its answer. */
  #setOutage(mode: OutageMode, spare: Socket | undefined): Promise<void> {
    this.#switchOutage(mode);
    const step = this.#switching.then(() => this.#reconcilePort(spare));
    this.#switching = step.catch(() => undefined);
    return step;
  }

  #switchOutage(mode: OutageMode): void {
    this.#outage = mode;
    this.#outageResponse =
      typeof mode === 'number' ? prepareJson(mode, { error: (STATUS_CODES[mode] ?? 'server error').toLowerCase() }) : undefined;
  }

  /** Makes the port listen or refuse as the outage (at the time this step runs) says. */
  async #reconcilePort(spare?: Socket): Promise<void> {
    if (this.#closing) return;
    if (this.#outage === 'refuse') {
      this.#listener.refuse(spare);
      return;
    }
    try {
      await this.#listener.resume();
    } catch (error) {
      // Nothing listens: say so rather than report a state the port is not in.
      this.#switchOutage('refuse');
      throw new Error(`cannot listen again on port ${this.port}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  #onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    if (this.#admin && path === ADMIN_PATH && req.method === 'POST') {
      this.#onAdmin(req, res);
      return;
    }
    if (req.method !== 'POST' || path !== CALL_URL) {
      // Node drains an unread request body itself once the answer is written.
      write(res, NOT_FOUND);
      return;
    }
    const stats = this.stats;
    stats.requests++;
    if (++stats.inFlight > stats.maxInFlight) stats.maxInFlight = stats.inFlight;
    const exchange: Exchange = { res, done: false, timer: undefined };
    res.once('close', () => this.#finish(exchange));

    const at = this.#now();
    const declared = Number(req.headers['content-length']);
    let tooLarge = declared > this.#maxBodyBytes;
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > this.#maxBodyBytes) {
        tooLarge = true;
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    // Read the body to its end even when too large: answering mid-upload makes clients see a reset.
    req.on('end', () => {
      if (exchange.done) return;
      if (tooLarge) {
        this.#handleCall(req, exchange, undefined, at);
        return;
      }
      const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      this.#handleCall(req, exchange, raw, at);
    });
  };

  /** `raw` is undefined when the body was too large. */
  #handleCall(req: IncomingMessage, exchange: Exchange, raw: Buffer | undefined, at: number): void {
    let body: unknown;
    let parsed = raw !== undefined;
    if (raw !== undefined) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        parsed = false;
      }
    }
    const sid = field(body, 'sid');
    const entry = this.#entry(req, at, body);
    if (sid !== undefined) {
      const bySid = this.stats.bySid;
      bySid.set(sid, (bySid.get(sid) ?? 0) + 1);
    }

    if (this.#outageResponse) {
      this.#answer(exchange, entry, this.#outageResponse, this.#latencyMs);
      return;
    }
    if (this.#hang) {
      // In flight until the client gives up, like a hang fault.
      this.#record(entry, 'hang');
      return;
    }
    if (raw === undefined) {
      this.#answer(exchange, entry, TOO_LARGE, 0);
      return;
    }

    let delayMs = this.#latencyMs;
    const fault = this.#faults.take(sid);
    if (fault) {
      if (fault.kind !== 'delay') {
        this.#perform(req, exchange, entry, fault, delayMs);
        return;
      }
      delayMs += fault.ms;
    }

    const account = this.#accounts.authenticate(entry.apiKey, entry.authorization);
    let response: PreparedResponse;
    if (!account) response = UNAUTHORIZED;
    else if (this.#limiter && !this.#takeToken(this.#limiter, exchange.res, entry)) response = RATE_LIMITED;
    else if (!parsed) response = INVALID_JSON;
    else if (typeof body !== 'object' || body === null || Array.isArray(body)) response = NOT_AN_OBJECT;
    else if (!sid) response = SID_REQUIRED;
    else if (!entry.projectId) response = PROJECT_REQUIRED;
    else {
      // The demo project's error states: faults that stand, after authentication.
      const standing = this.#accounts.standing(account, entry.projectId, sid);
      if (standing && standing.kind !== 'delay') {
        this.#perform(req, exchange, entry, standing, delayMs);
        return;
      }
      if (standing) delayMs += standing.ms;
      response =
        this.#accounts.response(account, entry.projectId, sid) ??
        this.#syntheticResponse(entry.projectId, sid) ??
        CALL_NOT_FOUND;
    }
    this.#answer(exchange, entry, response, delayMs);
  }

  /** Does what a fault says instead of answering the call. */
  #perform(
    req: IncomingMessage,
    exchange: Exchange,
    entry: RequestLogEntry,
    action: Exclude<FaultAction, { kind: 'delay' }>,
    delayMs: number,
  ): void {
    switch (action.kind) {
      case 'hang':
        // Still counted in flight until the client gives up or close() destroys the socket.
        this.#record(entry, 'hang');
        return;
      case 'reset':
        this.#record(entry, 'reset');
        this.#finish(exchange);
        req.socket.resetAndDestroy();
        return;
      case 'respond':
        this.#answer(exchange, entry, action.response, delayMs);
        return;
      case 'wire': {
        const { bytes, close } = action;
        this.#record(entry, 'wire');
        this.#later(exchange, delayMs, () => {
          this.#finish(exchange);
          writeWire(req.socket, bytes, close);
        });
        return;
      }
      case 'stream': {
        const { plan, counters } = action;
        this.#record(entry, plan.status);
        // In flight until the body ends or the client goes away (the 'close' listener above).
        // The stream waits out the latency itself, so a client gone meanwhile counts as closed early.
        sendStream(exchange.res, plan, counters, delayMs, () => this.#finish(exchange));
        return;
      }
    }
  }

  /**
   * One token from the request's credential bucket; false when empty. Its headers go on the
   * response itself, so whatever answers the request later (delayed, streamed) carries them.
   */
  #takeToken(limiter: RateLimiter, res: ServerResponse, entry: RequestLogEntry): boolean {
    // Prefixed so an api key and an Authorization value that are the same text stay apart.
    const key = entry.apiKey !== undefined ? `k:${entry.apiKey}` : `a:${entry.authorization ?? ''}`;
    const verdict = limiter.take(key);
    for (const [name, value] of Object.entries(verdict.headers)) res.setHeader(name, value);
    if (!verdict.allowed) this.stats.rateLimited++;
    return verdict.allowed;
  }

  #onAdmin(req: IncomingMessage, res: ServerResponse): void {
    if (!isLoopbackAddress(req.socket.remoteAddress)) {
      write(res, ADMIN_FORBIDDEN);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= this.#maxBodyBytes) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > this.#maxBodyBytes) {
        write(res, TOO_LARGE);
        return;
      }
      let change: AdminChange;
      try {
        change = parseAdminChange(Buffer.concat(chunks));
      } catch (error) {
        if (!(error instanceof AdminInputError)) throw error;
        write(res, prepareJson(400, { error: error.message }));
        return;
      }
      this.#applyAdmin(change, req.socket).then(
        () => {
          const state = this.misbehaviour;
          // A 'refuse' outage spared this connection for its answer: it must not stay open.
          write(res, prepareJson(200, state, state.outage === 'refuse' ? { connection: 'close' } : undefined));
        },
        (error: unknown) => write(res, prepareJson(500, { error: error instanceof Error ? error.message : String(error) })),
      );
    });
  }

  async #applyAdmin(change: AdminChange, socket: Socket): Promise<void> {
    if (change.rateLimit !== undefined) this.setRateLimit(change.rateLimit ?? undefined);
    if (change.hang !== undefined) this.setHang(change.hang);
    if (change.outage !== undefined) await this.#setOutage(change.outage, socket);
  }

  #syntheticResponse(projectId: string, sid: string): PreparedResponse | undefined {
    return projectId === this.#syntheticProject ? this.#synthetic.response(sid) : undefined;
  }

  #entry(req: IncomingMessage, at: number, body: unknown): RequestLogEntry {
    const headers = req.headers;
    return {
      sid: field(body, 'sid'),
      projectId: field(body, 'projectId'),
      authorization: header(headers[AUTHORIZATION_HEADER]),
      apiKey: header(headers[API_KEY_HEADER]),
      traceparent: header(headers['traceparent']),
      tracestate: header(headers['tracestate']),
      status: 0,
      at,
    };
  }

  #record(entry: RequestLogEntry, status: RequestLogEntry['status']): void {
    entry.status = status;
    const log = this.#log;
    log.push(entry);
    if (log.length >= this.#logLimit * 2) log.splice(0, log.length - this.#logLimit);
  }

  /** Logs the answer now (what the server decided on arrival) and writes it after `delayMs`. */
  #answer(exchange: Exchange, entry: RequestLogEntry, response: PreparedResponse, delayMs: number): void {
    this.#record(entry, response.status);
    if (delayMs <= 0) {
      this.#finish(exchange);
      write(exchange.res, response);
      return;
    }
    this.#later(exchange, delayMs, () => {
      this.#finish(exchange);
      write(exchange.res, response);
    });
  }

  /** Runs `send` after `delayMs`, unless the client went away meanwhile. */
  #later(exchange: Exchange, delayMs: number, send: () => void): void {
    if (delayMs <= 0) {
      send();
      return;
    }
    exchange.timer = setTimeout(() => {
      exchange.timer = undefined;
      if (!exchange.done) send();
    }, delayMs);
  }

  /** Called before the answer is written (so a client never sees its answer while still counted) or on disconnect. */
  #finish(exchange: Exchange): void {
    if (exchange.done) return;
    exchange.done = true;
    clearTimeout(exchange.timer);
    this.stats.inFlight--;
  }
}

function write(res: ServerResponse, response: PreparedResponse): void {
  if (res.destroyed) return;
  res.writeHead(response.status, response.headers);
  res.end(response.body);
}

/**
 * Writes a wire fault's bytes on the connection itself: Node's response writer never sees
 * them, so nothing validates or frames them. The response stays unwritten; its 'close'
 * (when the socket closes) is harmless since the exchange is already finished.
 */
function writeWire(socket: Socket, bytes: Buffer, close: 'end' | 'destroy'): void {
  if (socket.destroyed) return;
  if (close === 'end') socket.end(bytes);
  // Destroy only once the bytes are handed to the kernel, or they would be dropped unsent.
  else socket.write(bytes, () => socket.destroy());
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const simulator = new TalkstackSimulator(options);
  await simulator.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return simulator;
}
