/**
 * What the benchmark baselines share: their settings, the SDL, the "listening" line and
 * shutdown on SIGTERM/SIGINT. Node built-ins only, so even the bare proxy can use it
 * without loading GraphQL.
 *
 * Every baseline reads the same variables:
 *   PORT                  default 0 (any free port)
 *   HOST                  default 127.0.0.1
 *   TALKSTACK_API_URL     required, e.g. the simulator's URL
 *   TALKSTACK_PROJECT_ID  project used when a query names none (no default)
 *   UPSTREAM_CONCURRENCY  upstream connections, where a pool applies; default 64
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BaselineSettings {
  port: number;
  host: string;
  /** upstream base URL without a trailing slash */
  talkstackApiUrl: string;
  defaultProjectId: string | undefined;
  upstreamConcurrency: number;
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function integer(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) fail(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

/** Reads and checks the environment; exits with a message on stderr when it is unusable. */
export function readSettings(): BaselineSettings {
  const apiUrl = process.env['TALKSTACK_API_URL']?.trim();
  if (!apiUrl) fail('TALKSTACK_API_URL is required (e.g. the simulator URL)');
  if (!URL.canParse(apiUrl) || !/^https?:$/.test(new URL(apiUrl).protocol)) fail(`TALKSTACK_API_URL must be an http(s) URL, got "${apiUrl}"`);
  return {
    port: integer('PORT', 0, 0, 65535),
    host: process.env['HOST']?.trim() || '127.0.0.1',
    talkstackApiUrl: apiUrl.replace(/\/+$/, ''),
    defaultProjectId: process.env['TALKSTACK_PROJECT_ID']?.trim() || undefined,
    upstreamConcurrency: integer('UPSTREAM_CONCURRENCY', 64, 1, 100_000),
  };
}

/**
 * The subgraph SDL, schema/schema.graphql, read as text: two levels up from bench/baselines
 * when run from source, three from dist/bench/baselines when compiled (tsc copies no .graphql).
 */
export function loadSdl(): string {
  for (const up of ['../../', '../../../']) {
    const file = new URL(`${up}schema/schema.graphql`, import.meta.url);
    if (existsSync(file)) return readFileSync(file, 'utf8');
  }
  throw new Error('schema/schema.graphql not found');
}

/** Credential headers to forward upstream, exactly as the request sent them. */
export function credentialHeaders(get: (name: string) => string | string[] | null | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of ['x-api-key', 'authorization']) {
    const raw = get(name);
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value) headers[name] = value;
  }
  return headers;
}

/** The one stdout line a benchmark driver waits for: `listening on http://HOST:PORT`. */
export function announce(host: string, port: number): void {
  const shown = host.includes(':') ? `[${host}]` : host;
  process.stdout.write(`listening on http://${shown}:${port}\n`);
}

/** Port a listening node:http server got (useful with PORT=0). */
export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** Listens and resolves once bound; rejects on e.g. EADDRINUSE. */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Closes a node:http server, dropping idle keep-alive sockets so close() does not wait on them. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // Whatever is still busy after a short grace period is cut.
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  });
}

/**
 * On SIGTERM or SIGINT: run `close` once, then exit 0 (1 if closing threw). A second signal,
 * or closing taking over 10 s, exits at once.
 */
export function exitOnSignals(close: () => Promise<void>): void {
  let closing = false;
  const onSignal = (): void => {
    if (closing) process.exit(0);
    closing = true;
    setTimeout(() => process.exit(0), 10_000).unref();
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
