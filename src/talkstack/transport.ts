/**
 * One upstream try, as the `fetch` function ky calls: takes a slot of the process-wide
 * limiter, sends the request over a keep-alive connection pool sized to that limit, reads
 * the whole answer under one per-try timeout, frees the slot, and hands ky a finished
 * Response.
 *
 * Why not the global fetch: measured against the simulator on this machine, undici's fetch
 * costs about 2.5× node:http per call (web streams, abort signals), and this path runs once
 * per call fetched. Why the slot here and not around ky: ky sleeps between retries inside
 * its call, and a request waiting to retry must not hold a slot.
 */
import http from 'node:http';
import https from 'node:https';
import type { Limiter } from './limiter.js';

export interface TransportOptions {
  /** per try: connecting, sending and reading the whole answer */
  timeoutMs: number;
  limiter: Limiter;
  /** `http:` or `https:`, from the upstream base URL */
  protocol: string;
}

/** A try that outlived its time. ky retries it like a network error. */
export class TryTimeoutError extends Error {
  override name = 'TryTimeoutError';
}

/** A try that failed below HTTP (refused, reset, DNS…). ky retries it. */
export class TryNetworkError extends Error {
  override name = 'TryNetworkError';
}

export type Transport = ((input: Request | URL | string, init?: RequestInit) => Promise<Response>) & {
  /** closes pooled connections */
  close(): void;
};

/** Bodies without content by definition cannot be passed to `new Response`. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

const IMF_FIXDATE = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * The only header ky needs from a try is `Retry-After`, and only a valid one: ky would wait
 * its full cap for an unparsable value, and would also honour rate-limit headers the
 * contract does not (X-RateLimit-Reset…). Unparsable means "not sent": normal backoff.
 */
function retryHeaders(value: string | string[] | undefined): Record<string, string> {
  const retryAfter = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!retryAfter) return {};
  const valid = /^\d+(\.\d+)?$/.test(retryAfter) || (IMF_FIXDATE.test(retryAfter) && Number.isFinite(Date.parse(retryAfter)));
  return valid ? { 'retry-after': retryAfter } : {};
}

export function createTransport({ timeoutMs, limiter, protocol }: TransportOptions): Transport {
  const secure = protocol === 'https:';
  const agentOptions = { keepAlive: true, maxSockets: limiter.limit, maxFreeSockets: limiter.limit };
  const agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  const send = secure ? https.request : http.request;

  const transport = async (input: Request | URL | string, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const body = Buffer.from(await request.arrayBuffer());
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    headers['content-length'] = String(body.length);

    const release = await limiter.acquire();
    try {
      return await new Promise<Response>((resolve, reject) => {
        const outgoing = send(request.url, { method: request.method, headers, agent });
        const timer = setTimeout(() => outgoing.destroy(new TryTimeoutError('upstream try timed out')), timeoutMs);
        const fail = (error: Error) => {
          clearTimeout(timer);
          reject(error instanceof TryTimeoutError ? error : new TryNetworkError('upstream try failed'));
        };
        outgoing.once('error', fail);
        outgoing.once('response', (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.once('error', fail);
          incoming.once('aborted', () => fail(new TryNetworkError('upstream answer cut short')));
          incoming.once('end', () => {
            clearTimeout(timer);
            const status = incoming.statusCode ?? 502;
            resolve(
              new Response(NULL_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks), {
                status,
                headers: retryHeaders(incoming.headers['retry-after']),
              }),
            );
          });
        });
        outgoing.end(body);
      });
    } finally {
      release();
    }
  };
  return Object.assign(transport, { close: () => agent.destroy() });
}
