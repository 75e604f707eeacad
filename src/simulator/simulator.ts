/**
 * A real HTTP server speaking Talkstack's "get call data" protocol, for demos, tests and
 * benchmarks. Tests drive it through its methods (accounts, calls, faults, latency) and
 * observe the client through its counters and request log.
 *
 * Order of a `POST /call`: body size limit → fault (matched on the body's sid, before auth,
 * so a fault hits any request for that sid) → auth → body validation → the demo project's
 * standing error states (demoErrorStates.ts) → lookup (stored calls, then the synthetic project).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { API_KEY_HEADER, AUTHORIZATION_HEADER, CALL_PATH } from '../talkstack/wire.js';
import { AccountRegistry, DEMO_ACCOUNT, type AccountOptions } from './accounts.js';
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
}

export interface SimulatorStats {
  /** Every `POST /call` received, faulted or not. */
  requests: number;
  /** Requests per sid found in the body. */
  readonly bySid: Map<string, number>;
  /** Requests received and not yet answered (nor abandoned by the client). */
  inFlight: number;
  maxInFlight: number;
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
  /** Store a call's 200 body; `unknown` so tests can store wrong shapes. Replaces a live demo call. */
  setCall(projectId: string, sid: string, body: unknown, account?: string): void;
  deleteCall(projectId: string, sid: string, account?: string): boolean;
  /** What the call answers now (a copy, synthetic calls included), or undefined when unknown. */
  getCall(projectId: string, sid: string, account?: string): unknown;
  /** The demo project's rolling live calls that are not completed at `now()`, newest first. */
  liveCalls(): RollingLiveCall[];
  /** How often rolling live calls are born and how long they take. */
  readonly liveCallSchedule: RollingSchedule;
  setLatency(ms: number): void;
  injectFault(match: FaultMatch, fault: Fault): FaultHandle;
  clearFaults(): void;
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
  readonly stats: SimulatorStats = { requests: 0, bySid: new Map(), inFlight: 0, maxInFlight: 0 };

  readonly #server: Server;
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
    this.#server = createServer(this.#onRequest);
  }

  get requestLog(): readonly RequestLogEntry[] {
    // The log grows to twice its limit between trims (amortized O(1) per request); trim on read.
    if (this.#log.length > this.#logLimit) this.#log.splice(0, this.#log.length - this.#logLimit);
    return this.#log;
  }

  async listen(port: number, host: string): Promise<void> {
    const server = this.#server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    this.port = address.port;
    this.url = `http://${urlHost(host)}:${address.port}`;
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

  resetStats(): void {
    const stats = this.stats;
    stats.requests = 0;
    stats.bySid.clear();
    stats.maxInFlight = stats.inFlight;
    this.#log = [];
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      // close() alone waits for keep-alive and hanging sockets; destroy them so callers never hang.
      // Destroyed sockets close their responses, which clears pending delay timers (#finish).
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#closing;
  }

  #onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
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
        this.#answer(exchange, this.#entry(req, at, undefined), TOO_LARGE, 0);
        return;
      }
      const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      this.#handleCall(req, exchange, raw, at);
    });
  };

  #handleCall(req: IncomingMessage, exchange: Exchange, raw: Buffer, at: number): void {
    let body: unknown;
    let parsed = true;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      parsed = false;
    }
    const sid = field(body, 'sid');
    const entry = this.#entry(req, at, body);
    if (sid !== undefined) {
      const bySid = this.stats.bySid;
      bySid.set(sid, (bySid.get(sid) ?? 0) + 1);
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
