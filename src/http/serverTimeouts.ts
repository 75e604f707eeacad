/**
 * The HTTP server's timeouts, chosen rather than left at Node's defaults (listed in the
 * README, "Deploying").
 */
import type { Server, ServerOptions } from 'node:http';
import type { Config } from '../config/config.js';
import { RETRY_AFTER_CAP_MS } from '../talkstack/retryPolicy.js';

/**
 * Time a client has to send a complete request head. Node's default (60 s) lets a client
 * hold a connection for a minute by dripping header bytes (slowloris); a real head arrives
 * in one packet. Answered 408.
 */
export const HEADERS_TIMEOUT_MS = 10_000;

/**
 * Time a client has to send the whole request, body included. 30 s still lets a client on
 * a slow link send MAX_BODY_BYTES' default (1 MiB) at 35 KB/s. Node's default is 5 min.
 * It ends when the request has arrived: a long SSE answer is not affected.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * How long an idle keep-alive connection is kept. It must be longer than the idle timeout
 * of any load balancer or proxy in front (AWS ALB: 60 s by default): if the server closed
 * first, the balancer could send a request on a connection being closed and answer its
 * client 502. Node's default is 5 s.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/**
 * How often Node checks connections against the two request timeouts above. Its default
 * (30 s) would let a 10 s head timeout fire after up to 40 s.
 */
export const CONNECTIONS_CHECKING_INTERVAL_MS = 2_000;

/** A socket silent for this long while a request is being answered is dropped. */
export const MIN_SOCKET_IDLE_TIMEOUT_MS = 120_000;

/** Options that can only be given when the server is created. */
export const HTTP_SERVER_OPTIONS: ServerOptions = {
  headersTimeout: HEADERS_TIMEOUT_MS,
  requestTimeout: REQUEST_TIMEOUT_MS,
  connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
};

/**
 * Socket inactivity allowed while a request is being answered: a client that stops reading
 * must not hold its connection forever, but a query may rightly stay silent while its
 * upstream tries run (every try, plus the waits between them). SSE answers write a ping
 * every 12 s, so they are never that silent.
 */
export function socketIdleTimeoutMs(config: Pick<Config, 'upstreamTimeoutMs' | 'upstreamRetries'>): number {
  const slowestOperation = (config.upstreamRetries + 1) * config.upstreamTimeoutMs + config.upstreamRetries * RETRY_AFTER_CAP_MS;
  return Math.max(MIN_SOCKET_IDLE_TIMEOUT_MS, slowestOperation + 30_000);
}

/** Applies the timeouts that are properties of a created server. */
export function applyServerTimeouts(server: Server, config: Pick<Config, 'upstreamTimeoutMs' | 'upstreamRetries'>): void {
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.timeout = socketIdleTimeoutMs(config);
}
