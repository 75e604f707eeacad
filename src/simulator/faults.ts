/**
 * Fault injection for the Talkstack simulator: what a test can ask the server to do wrong,
 * and which request a fault applies to.
 *
 * Faults are compiled once when injected (bodies serialized, headers merged) so that a
 * faulted request costs no more than a normal one: the simulator doubles as a benchmark
 * upstream.
 */
import { STATUS_CODES, type OutgoingHttpHeaders } from 'node:http';

/** `match` value that makes a fault apply to every `POST /call`, whatever its sid. */
export const ANY_SID = '*';

/** A sid, or {@link ANY_SID} for any request (including ones whose body has no sid). */
export type FaultMatch = string;

interface FaultBase {
  /** How many matching requests the fault applies to; unlimited when absent. */
  times?: number;
}

/** Answer with this status (and body, default `{ error: '<reason phrase>' }`) instead of the call. */
export interface StatusFault extends FaultBase {
  type: 'status';
  status: number;
  /** Serialized as JSON. A string `status` in a non-2xx body is legal: the contract reads it as the call. */
  body?: unknown;
  /** Merged over `content-type: application/json`, e.g. `{ 'retry-after': '1' }`. */
  headers?: Record<string, string>;
}

/** Answer with these exact bytes: for malformed bodies (`not json`, `[]`, `"str"`, `{}`…). */
export interface RawFault extends FaultBase {
  type: 'raw';
  /** Default 200. */
  status?: number;
  body: string;
  /** Default `application/json; charset=utf-8`, so clients cannot reject it on the header alone. */
  contentType?: string;
}

/** Read the request and never answer; `close()` destroys the socket. */
export interface HangFault extends FaultBase {
  type: 'hang';
}

/** Destroy the connection with a TCP reset instead of answering. */
export interface ResetFault extends FaultBase {
  type: 'reset';
}

/** Answer normally, `ms` later (on top of the simulator's latency). */
export interface DelayFault extends FaultBase {
  type: 'delay';
  ms: number;
}

export type Fault = StatusFault | RawFault | HangFault | ResetFault | DelayFault;

/** A response whose bytes and headers are ready to be written. */
export interface PreparedResponse {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer;
}

/** What the request handler does with a faulted request. */
export type FaultAction =
  | { readonly kind: 'respond'; readonly response: PreparedResponse }
  | { readonly kind: 'hang' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'delay'; readonly ms: number };

/** Returned by `injectFault`: lets a test watch or withdraw one fault. */
export interface FaultHandle {
  readonly id: number;
  readonly match: FaultMatch;
  /** Requests the fault has applied to so far. */
  readonly hits: number;
  /** Requests it will still apply to (`Infinity` when unlimited, 0 once used up or removed). */
  readonly remaining: number;
  /** Withdraw the fault; false when it was already used up or removed. */
  remove(): boolean;
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Serializes a JSON answer once, with its headers, so hot paths only write bytes. */
export function prepareJson(
  status: number,
  body: unknown,
  extraHeaders?: Record<string, string>,
): PreparedResponse {
  const text = JSON.stringify(body);
  if (text === undefined) throw new TypeError('body is not JSON-serializable');
  return prepareRaw(status, text, JSON_CONTENT_TYPE, extraHeaders);
}

export function prepareRaw(
  status: number,
  text: string,
  contentType: string,
  extraHeaders?: Record<string, string>,
): PreparedResponse {
  // 204/304 must not carry a body; Node would refuse to write one.
  const body = status === 204 || status === 304 ? Buffer.alloc(0) : Buffer.from(text, 'utf8');
  const headers: OutgoingHttpHeaders = { 'content-type': contentType };
  if (extraHeaders) {
    for (const [name, value] of Object.entries(extraHeaders)) headers[name.toLowerCase()] = value;
  }
  headers['content-length'] = String(body.length);
  return { status, headers, body };
}

function checkStatus(status: unknown): number {
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) {
    throw new RangeError(`fault status must be an integer in 200..599, got ${String(status)}`);
  }
  return status;
}

function compile(fault: Fault): FaultAction {
  switch (fault.type) {
    case 'status': {
      const status = checkStatus(fault.status);
      const reason = (STATUS_CODES[status] ?? 'error').toLowerCase();
      const body = fault.body === undefined ? { error: reason } : fault.body;
      return { kind: 'respond', response: prepareJson(status, body, fault.headers) };
    }
    case 'raw': {
      if (typeof fault.body !== 'string') throw new TypeError('raw fault body must be a string');
      const status = checkStatus(fault.status ?? 200);
      return {
        kind: 'respond',
        response: prepareRaw(status, fault.body, fault.contentType ?? JSON_CONTENT_TYPE),
      };
    }
    case 'hang':
      return { kind: 'hang' };
    case 'reset':
      return { kind: 'reset' };
    case 'delay': {
      if (typeof fault.ms !== 'number' || !Number.isFinite(fault.ms) || fault.ms < 0) {
        throw new RangeError(`delay fault ms must be a finite number >= 0, got ${String(fault.ms)}`);
      }
      return { kind: 'delay', ms: fault.ms };
    }
    default: {
      const unknown: { type?: unknown } = fault;
      throw new TypeError(`unknown fault type ${String(unknown.type)}`);
    }
  }
}

interface Rule {
  readonly id: number;
  readonly match: FaultMatch;
  readonly action: FaultAction;
  remaining: number;
  hits: number;
}

/** Active faults in injection order; the first one matching a request wins and is consumed. */
export class FaultTable {
  #rules: Rule[] = [];
  #nextId = 1;

  add(match: FaultMatch, fault: Fault): FaultHandle {
    if (typeof match !== 'string' || match === '') {
      throw new TypeError(`fault match must be a sid or '${ANY_SID}'`);
    }
    const times = fault.times ?? Infinity;
    if (times !== Infinity && (!Number.isInteger(times) || times < 1)) {
      throw new RangeError(`fault times must be a positive integer, got ${String(fault.times)}`);
    }
    const rule: Rule = { id: this.#nextId++, match, action: compile(fault), remaining: times, hits: 0 };
    this.#rules.push(rule);
    return {
      id: rule.id,
      match,
      get hits() {
        return rule.hits;
      },
      get remaining() {
        return rule.remaining;
      },
      remove: () => this.#remove(rule),
    };
  }

  /** The action for a request with this sid (undefined when the body had none), consuming one use. */
  take(sid: string | undefined): FaultAction | undefined {
    const rules = this.#rules;
    if (rules.length === 0) return undefined;
    for (const rule of rules) {
      if (rule.match !== ANY_SID && rule.match !== sid) continue;
      rule.hits++;
      if (--rule.remaining <= 0) this.#remove(rule);
      return rule.action;
    }
    return undefined;
  }

  clear(): void {
    for (const rule of this.#rules) rule.remaining = 0;
    this.#rules = [];
  }

  get size(): number {
    return this.#rules.length;
  }

  #remove(rule: Rule): boolean {
    const index = this.#rules.indexOf(rule);
    rule.remaining = 0;
    if (index === -1) return false;
    this.#rules.splice(index, 1);
    return true;
  }
}
