/**
 * Fault injection for the Talkstack simulator: what a test can ask the server to do wrong,
 * and which request a fault applies to.
 *
 * Faults are compiled once when injected (bodies serialized, headers merged) so that a
 * faulted request costs no more than a normal one: the simulator doubles as a benchmark
 * upstream.
 */
import { STATUS_CODES, type OutgoingHttpHeaders } from 'node:http';
import { planStream, type StreamCounters, type StreamPlan } from './stream.js';

/** `match` value that makes a fault apply to every `POST /call`, whatever its sid. */
export const ANY_SID = '*';

/** A sid, or {@link ANY_SID} for any request (including ones whose body has no sid). */
export type FaultMatch = string;

interface FaultBase {
  /** How many matching requests the fault applies to; unlimited when absent. */
  times?: number;
}

/**
 * Answer with this status (and body, default `{ error: '<reason phrase>' }`) instead of the call.
 * `status` is any final status Node can write, 200..999; anything else needs a {@link WireFault}.
 */
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
  /** 200..999, default 200. */
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

/**
 * Write these exact bytes on the socket, bypassing Node's response writer: for what Node
 * refuses to write (status 0, 1000, `099`, a 1xx as the final answer, garbage status lines).
 * Each character is one byte (latin1), so any byte sequence can be written; characters
 * above U+00FF are refused.
 */
export interface WireFault extends FaultBase {
  type: 'wire';
  bytes: string;
  /** After the bytes: `end` (FIN, default) or `destroy` (close without waiting for the client). */
  close?: 'end' | 'destroy';
}

/**
 * A body that is merely big: `{"status":"completed","pad":"xxx…"}`, exactly `bytes` long,
 * generated chunk by chunk (never whole in memory). For huge, endless and slow ("drip") bodies.
 */
export interface StreamFault extends FaultBase {
  type: 'stream';
  /** 200..999 but not 204/304 (they cannot carry a body). Default 200. */
  status?: number;
  /** Total body bytes (at least the JSON around an empty pad, 31), or `Infinity` for an endless body (no closing `"}`). */
  bytes: number;
  /** Bytes per write. Default 65536. */
  chunkBytes?: number;
  /** Pause between chunks. Default 0: as fast as the socket drains. */
  intervalMs?: number;
  /** Send `content-length` (else chunked). Default true when `bytes` is finite; must be false when endless. */
  contentLength?: boolean;
}

export type Fault = StatusFault | RawFault | HangFault | ResetFault | DelayFault | WireFault | StreamFault;

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
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'wire'; readonly bytes: Buffer; readonly close: 'end' | 'destroy' }
  | { readonly kind: 'stream'; readonly plan: StreamPlan; readonly counters: StreamCounters };

/** Returned by `injectFault`: lets a test watch or withdraw one fault. */
export interface FaultHandle {
  readonly id: number;
  readonly match: FaultMatch;
  /** Requests the fault has applied to so far. */
  readonly hits: number;
  /** Requests it will still apply to (`Infinity` when unlimited, 0 once used up or removed). */
  readonly remaining: number;
  /** Stream faults: body bytes handed to the socket so far, over all hits (0 for other faults). */
  readonly bytesSent: number;
  /** Stream faults: hits whose client went away before the body was complete (0 for other faults). */
  readonly clientClosed: number;
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

// Node's writeHead accepts 100..999, but a 1xx is informational: clients wait for another
// answer after it. A 1xx as the final answer is a wire fault.
function checkStatus(status: unknown): number {
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 999) {
    throw new RangeError(`fault status must be an integer in 200..999, got ${String(status)}`);
  }
  return status;
}

// Latin1 maps each character to one byte; anything above U+00FF would be silently mangled.
const NOT_A_BYTE = /[^\u0000-\u00ff]/;

/** A fault as the request handler performs it; also the demo project's standing error states (demoErrorStates.ts). */
export function compileFault(fault: Fault, counters: StreamCounters = { bytesSent: 0, clientClosed: 0 }): FaultAction {
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
    case 'wire': {
      if (typeof fault.bytes !== 'string') throw new TypeError('wire fault bytes must be a string');
      if (NOT_A_BYTE.test(fault.bytes)) throw new RangeError('wire fault bytes must be characters U+0000..U+00FF (one byte each)');
      const close = fault.close ?? 'end';
      if (close !== 'end' && close !== 'destroy') throw new TypeError(`wire fault close must be 'end' or 'destroy', got ${String(close)}`);
      return { kind: 'wire', bytes: Buffer.from(fault.bytes, 'latin1'), close };
    }
    case 'stream': {
      const status = checkStatus(fault.status ?? 200);
      if (status === 204 || status === 304) throw new RangeError(`stream fault status ${status} cannot carry a body`);
      return { kind: 'stream', plan: planStream(fault, status, JSON_CONTENT_TYPE), counters };
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
    const counters: StreamCounters = { bytesSent: 0, clientClosed: 0 };
    const rule: Rule = { id: this.#nextId++, match, action: compileFault(fault, counters), remaining: times, hits: 0 };
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
      get bytesSent() {
        return counters.bytesSent;
      },
      get clientClosed() {
        return counters.clientClosed;
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
