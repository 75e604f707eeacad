/**
 * The Node HTTP server's timeouts (http/serverTimeouts.ts), set deliberately on the server
 * `createServer` makes (never listening here): headers and request timeouts, a keep-alive that
 * outlives a load balancer's 60 s idle timeout, and a socket idle timeout that outlasts the
 * slowest operation the upstream settings allow.
 */
import { describe, expect, it } from 'vitest';
import {
  CONNECTIONS_CHECKING_INTERVAL_MS,
  HEADERS_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
  socketIdleTimeoutMs,
} from '../../../src/http/serverTimeouts.js';
import { inProcessServer } from '../../support/inProcess.js';

describe('HTTP server timeouts', () => {
  it('are set deliberately, keep-alive outliving a load balancer idle timeout of 60 s', () => {
    const { server } = inProcessServer();
    const { http } = server;
    expect(http.headersTimeout).toBe(HEADERS_TIMEOUT_MS);
    expect(http.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
    expect(http.keepAliveTimeout).toBe(KEEP_ALIVE_TIMEOUT_MS);
    expect(KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(60_000);
    expect(http.timeout).toBe(socketIdleTimeoutMs(server.config));
    expect(CONNECTIONS_CHECKING_INTERVAL_MS).toBeLessThan(HEADERS_TIMEOUT_MS);
  });

  it('the socket idle timeout outlasts the slowest operation the upstream settings allow', () => {
    expect(socketIdleTimeoutMs({ upstreamTimeoutMs: 10_000, upstreamRetries: 2 })).toBe(120_000);
    // 3 tries of 60 s and 2 waits of at most 5 s, plus a margin.
    expect(socketIdleTimeoutMs({ upstreamTimeoutMs: 60_000, upstreamRetries: 2 })).toBeGreaterThan(3 * 60_000 + 2 * 5_000);
  });
});
