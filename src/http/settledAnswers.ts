/**
 * The fast path for settled answers (issue 9): a repeated request whose whole answer was made
 * of settled final calls is answered again from memory, without running the GraphQL pipeline.
 *
 * Contract:
 * - an answer is kept only for a request seen before (the second ask keeps it, the third is
 *   answered from memory), and only when it was HTTP 200 JSON, had no `errors`, and every call its
 *   operation looked up was answered with the very object the cache of final calls holds now
 *   (so it is final and settled, and not a live version that raced a later final one); it is
 *   kept until the first of those calls leaves that cache (`settledUntil`), never longer;
 * - the key is the exact request: the credential's digest (as the context resolves it: the
 *   request's own headers, else the service key), method, URL, `Accept`, `Content-Type`,
 *   whether the CSRF header is present, and the body bytes. Everything else a request must
 *   pass is either decided before this step in the Node layer (request head, CORS, body size,
 *   drain state: the answer carries `connection: close` then) or is a pure function of those
 *   key parts and the server's fixed settings (CSRF, document and list limits, validation,
 *   introspection policy, the trusted documents of PERSISTED_OPERATIONS_ONLY, read once at
 *   start-up), so a request with the same key gets the same verdict: a refused one is never
 *   kept (it is not a 200), a trusted one is kept like any other;
 * - only GET and POST with a JSON body of at most `MAX_KEYED_BODY_BYTES` are considered;
 *   SSE and multipart requests, and everything else, go to Yoga untouched; an incremental
 *   answer (@defer, @stream) to a request that may take one (no Accept, or the any-type wildcard) is
 *   multipart/mixed, never JSON, so it is never kept (test/integration/graphql/incrementalDelivery.test.ts);
 * - bounded by memory (`maxBytes`), least recently used dropped first;
 * - `stats` counts hits, misses (considered but not held) and stored answers, for metrics.
 *
 * A miss costs reading the body here (Yoga's Node adapter then takes it from `req.body`, as it
 * does for bodies of unknown length). Only a request seen before is watched and kept (its
 * response's head and body are captured as they are written; whether to keep it is decided
 * after the response has gone): a request asked once, like most of a page of new calls, costs
 * no capture and no entry (measured: watching and keeping every answer cost ~5 % of a
 * single-call request). So the third ask of a request is the first answered from memory.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { Call } from '../calls/call.js';
import type { CallLoader } from '../fetch/callLoader.js';
import { type Credential, credentialFrom } from '../identity/credential.js';
import type { CallKey } from '../identity/keys.js';

/** Larger bodies are not worth keying: pages of a few hundred sids stay well under it. */
export const MAX_KEYED_BODY_BYTES = 64 * 1024;
export const DEFAULT_MAX_ANSWER_BYTES = 32 * 1024 * 1024;
/** Keys of requests seen once, remembered up to this many bytes (then forgotten all at once). */
const SEEN_ONCE_MAX_BYTES = 4 * 1024 * 1024;
const ENTRY_OVERHEAD_BYTES = 256;

/** Where the fast path learns how long a call stays cached (fetch/fetchPipeline.ts). */
export interface SettledCallSource {
  /** ms (Date.now clock) until which `call` is what the cache of final calls answers for `key`; undefined if it is not */
  settledUntil(key: CallKey, call: Call): number | undefined;
}

export interface SettledAnswersOptions {
  calls: SettledCallSource;
  serviceCredential: Credential | undefined;
  csrfHeader: string;
  maxBytes?: number;
}

interface Answer {
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

type Next = (req: IncomingMessage, res: ServerResponse) => void;

/** What a miss learns while Yoga answers it. */
interface Watch {
  loader: CallLoader | undefined;
}

// The only header of Yoga's answer worth replaying: CORS headers are set afresh for each
// request's own Origin before this step, and the rest describe the connection or the moment.
const REPLAYED = ['content-type'] as const;

function isJsonContentType(value: string | undefined): boolean {
  return value !== undefined && (value.startsWith('application/json') || value.startsWith('application/graphql-response+json'));
}

const headerOf = (req: IncomingMessage, name: string): string => {
  const value = req.headers[name];
  return typeof value === 'string' ? value : '';
};

export interface SettledAnswersStats {
  /** requests answered from memory */
  readonly hit: number;
  /** requests considered but not answered from memory */
  readonly miss: number;
  /** answers kept */
  readonly stored: number;
  /** answers held right now */
  readonly size: number;
  /** misses whose keeping has been decided (kept or not): what tests wait on */
  readonly decided: number;
}

export class SettledAnswers {
  #hit = 0;
  #miss = 0;
  #stored = 0;
  readonly #answers: LRUCache<string, Answer>;
  readonly #watches = new WeakMap<IncomingMessage, Watch>();
  readonly #calls: SettledCallSource;
  readonly #serviceCredential: Credential | undefined;
  readonly #csrfHeader: string;
  readonly #seenOnce = new Set<string>();
  #seenOnceBytes = 0;
  #decided = 0;

  constructor({ calls, serviceCredential, csrfHeader, maxBytes = DEFAULT_MAX_ANSWER_BYTES }: SettledAnswersOptions) {
    this.#calls = calls;
    this.#serviceCredential = serviceCredential;
    this.#csrfHeader = csrfHeader;
    this.#answers = new LRUCache<string, Answer>({
      maxSize: maxBytes,
      sizeCalculation: (answer, key) => key.length + answer.body.length + ENTRY_OVERHEAD_BYTES,
      // Every entry has its own TTL (its calls'); stale ones are never answered.
      ttlAutopurge: false,
      allowStale: false,
    });
  }

  get stats(): SettledAnswersStats {
    return { hit: this.#hit, miss: this.#miss, stored: this.#stored, size: this.#answers.size, decided: this.#decided };
  }

  /**
   * The context factory tells which loader serves `req`'s operation, so a miss can check
   * afterwards what it answered.
   */
  observe(req: IncomingMessage | undefined, loader: CallLoader | undefined): void {
    if (req === undefined) return;
    const watch = this.#watches.get(req);
    if (watch) watch.loader = loader;
  }

  /** Answers `req` from memory, or hands it to `next` (Yoga), watching the answer if it may be kept. */
  handle(req: IncomingMessage, res: ServerResponse, next: Next): void {
    const method = req.method;
    if (method !== 'GET' && method !== 'POST') return next(req, res);
    const accept = headerOf(req, 'accept');
    if (accept.includes('text/event-stream') || accept.includes('multipart/')) return next(req, res);
    const contentType = headerOf(req, 'content-type');
    let declared = 0;
    if (method === 'POST') {
      if (!isJsonContentType(contentType)) return next(req, res);
      declared = Number(req.headers['content-length']);
      if (!(declared > 0 && declared <= MAX_KEYED_BODY_BYTES)) return next(req, res);
    }
    const credential = credentialFrom({ get: (name) => headerOf(req, name) || null }, this.#serviceCredential);
    if (credential === undefined) return next(req, res);
    const head = `${method}\u0000${credential.id}\u0000${req.url}\u0000${accept}\u0000${contentType}\u0000${req.headers[this.#csrfHeader] === undefined ? 0 : 1}\u0000`;
    if (method === 'GET') {
      if (!this.#answerFromMemory(head, res)) this.#passOn(head, req, res, next);
      return;
    }
    readBody(req, declared, (body) => {
      const key = head + body.toString('latin1');
      if (this.#answerFromMemory(key, res)) return;
      (req as IncomingMessage & { body?: Buffer }).body = body;
      this.#passOn(key, req, res, next);
    });
  }

  #answerFromMemory(key: string, res: ServerResponse): boolean {
    const answer = this.#answers.get(key);
    if (answer === undefined) return false;
    this.#hit++;
    res.writeHead(200, { ...answer.headers, 'content-length': answer.body.length }).end(answer.body);
    return true;
  }

  #passOn(key: string, req: IncomingMessage, res: ServerResponse, next: Next): void {
    this.#miss++;
    if (!this.#seenOnce.delete(key)) {
      if (this.#seenOnceBytes + key.length > SEEN_ONCE_MAX_BYTES) {
        this.#seenOnce.clear();
        this.#seenOnceBytes = 0;
      }
      this.#seenOnce.add(key);
      this.#seenOnceBytes += key.length;
      this.#decided++;
      return next(req, res);
    }
    this.#seenOnceBytes -= key.length;
    const watch: Watch = { loader: undefined };
    this.#watches.set(req, watch);
    watchAnswer(res, (status, headers, body) => {
      const loader = watch.loader;
      // Conservative: an `errors` key anywhere (even inside a call's free-form data) keeps nothing.
      if (status !== 200 || body === undefined || loader === undefined || !isJsonContentType(String(headers['content-type'] ?? '')) || body.includes('"errors"')) {
        this.#decided++;
        return;
      }
      void this.#keepIfSettled(key, loader, headers, body).finally(() => this.#decided++);
    });
    next(req, res);
  }

  async #keepIfSettled(key: string, loader: CallLoader, headers: OutgoingHttpHeaders, body: Buffer): Promise<void> {
    let answered: Awaited<ReturnType<CallLoader['answered']>>;
    try {
      answered = await loader.answered();
    } catch {
      return;
    }
    if (answered.length === 0) return;
    let until = Infinity;
    for (const [callKey, call] of answered) {
      const settled = call && this.#calls.settledUntil(callKey, call);
      if (!settled) return;
      if (settled < until) until = settled;
    }
    const ttl = until - Date.now();
    if (ttl <= 0) return;
    const kept: OutgoingHttpHeaders = {};
    for (const name of REPLAYED) if (headers[name] !== undefined) kept[name] = headers[name];
    this.#answers.set(key, { headers: kept, body }, { ttl });
    this.#stored++;
  }
}

/** Reads a body of `declared` bytes (Node's parser enforces Content-Length), then calls `done`. */
function readBody(req: IncomingMessage, declared: number, done: (body: Buffer) => void): void {
  let first: Buffer | undefined;
  let chunks: Buffer[] | undefined;
  req.on('data', (chunk: Buffer) => {
    if (first === undefined) first = chunk;
    else (chunks ??= [first]).push(chunk);
  });
  req.once('end', () => done(chunks ? Buffer.concat(chunks, declared) : (first ?? Buffer.alloc(0))));
  // An aborted request has no answer to give; Node closes the socket.
}

type Seen = (status: number, headers: OutgoingHttpHeaders, body: Buffer | undefined) => void;

/**
 * Watches the head and the body of an answer as it is written, and reports them once it has
 * ended. `body` is undefined unless the answer was written in at most one chunk (Yoga writes
 * a JSON answer whole; streams are never kept).
 */
function watchAnswer(res: ServerResponse, seen: Seen): void {
  const { writeHead, write, end } = res;
  let status = 0;
  let headed: OutgoingHttpHeaders = {};
  let body: Buffer | undefined;
  let chunks = 0;
  const take = (chunk: unknown, encoding?: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    chunks++;
    if (typeof chunk === 'string') body = Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    else if (chunk instanceof Uint8Array) body = Buffer.from(chunk);
  };
  res.writeHead = function (this: ServerResponse, code: number, ...rest: unknown[]) {
    status = code;
    const last = rest[rest.length - 1];
    if (last && typeof last === 'object' && !Array.isArray(last)) headed = last as OutgoingHttpHeaders;
    return (writeHead as (...args: unknown[]) => ServerResponse).call(this, code, ...rest);
  } as ServerResponse['writeHead'];
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    take(chunk, rest[0]);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse['write'];
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    take(chunk, rest[0]);
    res.writeHead = writeHead;
    res.write = write;
    res.end = end;
    const result = (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    const headers: OutgoingHttpHeaders = { ...(res.getHeaders() as OutgoingHttpHeaders) };
    for (const [name, value] of Object.entries(headed)) headers[name.toLowerCase()] = value;
    seen(status || res.statusCode, headers, chunks === 1 ? body : undefined);
    return result;
  } as ServerResponse['end'];
}
