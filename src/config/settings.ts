/**
 * Every setting of the server, in one schema: its environment variable, its concern, its
 * default, what it means, and how its value is parsed and checked. `loadConfig` (config.ts) reads
 * the environment with it; the settings table of the README is generated from it
 * (`npm run docs:settings`, scripts/settingsTable.ts), and a test fails when that table is stale.
 *
 * Descriptions are Markdown, written for operators.
 */
import { z } from 'zod';
import { LOG_LEVELS, type LogLevel } from '../logging/logger.js';

export const SETTING_GROUPS = {
  server: 'Server',
  upstream: 'Upstream (Talkstack)',
  cache: 'Cache and Redis',
  subscriptions: 'Subscriptions',
  limits: 'Limits per operation',
  security: 'Browsers and trusted documents',
  operations: 'Operations',
} as const;

export type SettingGroup = keyof typeof SETTING_GROUPS;

export const DEFAULT_TALKSTACK_API_URL = 'https://api.talkstackai.com';
/** Where `npm run codegen` writes the examples' manifest. */
export const DEFAULT_PERSISTED_DOCUMENTS_FILE = 'examples/generated/persisted-documents.json';
/** The example dashboard's origin (`npm run example:web`), allowed by default in demo mode. */
export const DEMO_DASHBOARD_ORIGIN = 'http://localhost:4001';

/** One setting. `Required` says whether it has a value when unset (its default). */
export interface Setting<T, Required extends boolean> {
  readonly variable: string;
  readonly group: SettingGroup;
  readonly default: Required extends true ? T : undefined;
  /** how the docs show the default when it is not the plain value (computed, or none) */
  readonly defaultText?: string;
  readonly description: string;
  /** parses and checks the variable's text (already trimmed of nothing: parsers trim themselves) */
  readonly parse: z.ZodType<T, string>;
}

type Spec<T> = Omit<Setting<T, boolean>, 'default'>;
const withDefault = <T>(spec: Spec<T> & { default: T }): Setting<T, true> => spec;
const withoutDefault = <T>(spec: Spec<T>): Setting<T, false> => ({ ...spec, default: undefined });

const integer = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const boolean = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['1', 'true', 'yes', 'on', '0', 'false', 'no', 'off']))
  .transform((v) => v === '1' || v === 'true' || v === 'yes' || v === 'on');

const withoutTrailingSlashes = (url: string) => url.replace(/\/+$/, '');

const httpUrl = z
  .string()
  .trim()
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }))
  .transform(withoutTrailingSlashes);

const nonEmpty = z.string().trim().min(1, 'must not be empty');

/** `scheme://host[:port]` exactly as a browser sends it in `Origin`: no path, no wildcard. */
function isExactOrigin(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text;
}

const originList = z
  .string()
  .transform((text): readonly string[] => text.split(',').map((origin) => origin.trim()).filter((origin) => origin !== ''))
  .check((ctx) => {
    const bad = ctx.value.find((origin) => !isExactOrigin(origin));
    if (bad !== undefined) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message: `"${bad.slice(0, 100)}" is not an origin: expected comma-separated http(s)://host[:port] values, exact (no path, no trailing slash, no wildcard)`,
      });
    }
  });

/** `name[:port]` as a Host header carries it: a DNS name or IPv4 address, or a bracketed IPv6 one. */
const HOST_VALUE = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;

const hostList = z
  .string()
  .transform((text): readonly string[] => text.split(',').map((host) => host.trim().toLowerCase()).filter((host) => host !== ''))
  .check((ctx) => {
    const bad = ctx.value.find((host) => !HOST_VALUE.test(host));
    if (bad !== undefined) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: `"${bad.slice(0, 100)}" is not a host: expected comma-separated name[:port] values` });
    } else if (ctx.value.length === 0) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: 'must list at least one host' });
    }
  });

/** Keyed by the configuration's field names (config.ts: `Config`), in the order the docs list them. */
export const SETTINGS = {
  port: withDefault({ variable: 'PORT', group: 'server', default: 4000, parse: integer(0, 65535), description: 'HTTP port' }),
  host: withDefault({ variable: 'HOST', group: 'server', default: '0.0.0.0', parse: nonEmpty, description: 'bind address' }),
  graphiql: withDefault({ variable: 'GRAPHIQL', group: 'server', default: true, parse: boolean, description: 'serve GraphiQL on `GET /graphql` for browsers' }),
  introspection: withDefault({
    variable: 'GRAPHQL_INTROSPECTION',
    group: 'server',
    default: true,
    parse: boolean,
    description: 'allow introspection (`false` turns `__schema`/`__type` and "did you mean" suggestions off; `__typename` and `_service { sdl }` keep working)',
  }),

  talkstackApiUrl: withDefault({
    variable: 'TALKSTACK_API_URL',
    group: 'upstream',
    default: DEFAULT_TALKSTACK_API_URL,
    parse: httpUrl,
    description: 'upstream base URL (http or https)',
  }),
  talkstackApiKey: withoutDefault({
    variable: 'TALKSTACK_API_KEY',
    group: 'upstream',
    parse: nonEmpty,
    description: 'service credential, sent as `x-api-key` when a request brings none',
  }),
  talkstackProjectId: withoutDefault({ variable: 'TALKSTACK_PROJECT_ID', group: 'upstream', parse: nonEmpty, description: 'default `projectId`' }),
  demo: withoutDefault({
    variable: 'TALKSTACK_DEMO',
    group: 'upstream',
    defaultText: 'on when neither `TALKSTACK_API_URL` nor `TALKSTACK_API_KEY` is set',
    parse: boolean,
    description: '`1`/`true` forces, `0`/`false` forbids, the built-in simulator as upstream; in demo mode its demo key and project are the defaults',
  }),
  upstreamConcurrency: withDefault({
    variable: 'UPSTREAM_CONCURRENCY',
    group: 'upstream',
    default: 64,
    parse: integer(1, 10_000),
    description: 'most upstream requests in flight per server process',
  }),
  upstreamTimeoutMs: withDefault({
    variable: 'UPSTREAM_TIMEOUT_MS',
    group: 'upstream',
    default: 10_000,
    defaultText: '`10000` (demo mode: `1500`, unless set)',
    parse: integer(1, 600_000),
    description: 'per try: connecting, headers and the whole body',
  }),
  upstreamRetries: withDefault({
    variable: 'UPSTREAM_RETRIES',
    group: 'upstream',
    default: 2,
    parse: integer(0, 10),
    description:
      'further tries after a 5xx, network error or timeout (0–10), with backoff, honouring `Retry-After`; a 429 pauses the tenant and spends no retry while the call can still be sent within `UPSTREAM_MAX_WAIT_MS`, but one call is sent at most `3 + UPSTREAM_RETRIES` times',
  }),
  upstreamRateLimit: withoutDefault({
    variable: 'UPSTREAM_RATE_LIMIT',
    group: 'upstream',
    defaultText: '— (learned)',
    parse: integer(1, 100_000),
    description:
      'requests per second per tenant to pace to from the start, and the most pacing will ever allow (unset: learned from 429s and rate-limit headers); per instance',
  }),
  upstreamMaxWaitMs: withDefault({
    variable: 'UPSTREAM_MAX_WAIT_MS',
    group: 'upstream',
    default: 10_000,
    parse: integer(0, 600_000),
    description:
      "longest a call may wait for its tenant's pace or pause, counted from the moment it is asked, before it fails with `RATE_LIMITED` unsent (with `extensions.retryAfterMs`)",
  }),
  maxWaitingCallsPerTenant: withDefault({
    variable: 'MAX_WAITING_CALLS_PER_TENANT',
    group: 'upstream',
    default: 5000,
    parse: integer(1, 1_000_000),
    description: 'upstream calls one tenant may have waiting for its pace, per instance; past it a call fails `TOO_MANY_REQUESTS` unsent',
  }),
  upstreamMaxBodyBytes: withDefault({
    variable: 'UPSTREAM_MAX_BODY_BYTES',
    group: 'upstream',
    default: 262_144,
    parse: integer(1024, 1_073_741_824),
    description: 'largest upstream answer read (1024 or more); a larger answer to parse is `UPSTREAM_BAD_RESPONSE` and its connection is dropped',
  }),

  cacheTtlSeconds: withDefault({
    variable: 'CACHE_TTL_SECONDS',
    group: 'cache',
    default: 3600,
    parse: integer(0, 31_536_000),
    description:
      'how long a settled final call is answered from memory (0: off): final status, and for `COMPLETED` its duration and cost (without recordings yet: at most 60 s); held per credential within `CACHE_MAX_BYTES`; unfinished, unknown and failed calls always go upstream; with `REDIS_URL` also shared between instances through Redis. A repeated request made only of such calls is answered without the GraphQL pipeline (Operations: Settled answers)',
  }),
  staleIfErrorSeconds: withDefault({
    variable: 'STALE_IF_ERROR_SECONDS',
    group: 'cache',
    default: 300,
    parse: integer(0, 604_800),
    description:
      'how old (from its `fetchedAt`) a last good answer may be to be answered instead of an upstream failure (`UPSTREAM_ERROR`, `UPSTREAM_TIMEOUT`, `UPSTREAM_UNAVAILABLE`, `RATE_LIMITED`, `TOO_MANY_REQUESTS`), listed in `extensions.stale` (0: off); queries only, never subscriptions',
  }),
  cacheMaxBytes: withDefault({
    variable: 'CACHE_MAX_BYTES',
    group: 'cache',
    default: 67_108_864,
    parse: integer(1_048_576, 68_719_476_736),
    description: 'memory the store of calls (fresh and stale answers together) may take per instance, least recently used dropped first',
  }),
  redisUrl: withoutDefault({
    variable: 'REDIS_URL',
    group: 'cache',
    parse: z.string().trim().pipe(z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })),
    description:
      '`redis://` or `rediss://` URL: share the cache of final calls and the subscription pollers between instances (Operations: Redis); commands time out after 200 ms and a Redis outage falls back to upstream',
  }),
  redisKeySecret: withoutDefault({
    variable: 'REDIS_KEY_SECRET',
    group: 'cache',
    parse: z.string().min(16, 'must be at least 16 characters'),
    description:
      'with `REDIS_URL`; at least 16 characters (checked even without `REDIS_URL`), the same on every instance: Redis keys name credentials by an HMAC under it (without it, a plain SHA-256 and a start-up warning)',
  }),

  callPollIntervalMs: withDefault({
    variable: 'CALL_POLL_INTERVAL_MS',
    group: 'subscriptions',
    default: 2000,
    parse: integer(10, 3_600_000),
    description: '`callUpdates` / `callsUpdates` polling interval (at least 10): one poll per interval per (credential, call), however many subscribers',
  }),
  callWatchMaxSeconds: withDefault({
    variable: 'CALL_WATCH_MAX_SECONDS',
    group: 'subscriptions',
    default: 3600,
    parse: integer(1, 604_800),
    description: 'longest a `callUpdates` / `callsUpdates` subscription stays open',
  }),
  maxSubscriptionsPerCredential: withDefault({
    variable: 'MAX_SUBSCRIPTIONS_PER_CREDENTIAL',
    group: 'subscriptions',
    default: 100,
    parse: integer(1, 1_000_000),
    description: 'open subscriptions one credential may hold, per instance',
  }),
  maxWatchedCallsPerCredential: withDefault({
    variable: 'MAX_WATCHED_CALLS_PER_CREDENTIAL',
    group: 'subscriptions',
    default: 500,
    parse: integer(1, 1_000_000),
    description:
      "distinct calls one credential's open subscriptions may watch at once, per instance (a call watched by several subscriptions counts once; counted per paying key, and a call watched under two different header pairs of that key counts twice, since each pair has its own poller)",
  }),
  maxSubscriptions: withDefault({
    variable: 'MAX_SUBSCRIPTIONS',
    group: 'subscriptions',
    default: 10_000,
    parse: integer(1, 10_000_000),
    description: 'open subscriptions per instance, all credentials together',
  }),

  maxCallsPerRequest: withDefault({
    variable: 'MAX_CALLS_PER_REQUEST',
    group: 'limits',
    default: 500,
    parse: integer(1, 100_000),
    description: 'distinct calls one operation may look up',
  }),
  maxDepth: withDefault({
    variable: 'MAX_DEPTH',
    group: 'limits',
    default: 8,
    parse: integer(1, 1000),
    description: 'deepest field nesting an operation may have (fragments count by content; `__schema`/`__type` subtrees aside)',
  }),
  maxAliases: withDefault({
    variable: 'MAX_ALIASES',
    group: 'limits',
    default: 20,
    parse: integer(0, 100_000),
    description: 'aliases one operation may use (a fragment\'s aliases count each time it is spread)',
  }),
  maxResponseBytes: withDefault({
    variable: 'MAX_RESPONSE_BYTES',
    group: 'limits',
    default: 8_388_608,
    parse: integer(65_536, 1_073_741_824),
    description:
      'largest `data` (JSON bytes) one answer may carry (all the payloads of a @defer/@stream answer together; each subscription event on its own); from the call that would pass it, in response order, each is `null` with `RESPONSE_TOO_LARGE` (within `MAX_ERRORS`)',
  }),
  maxOperationsPerConnection: withDefault({
    variable: 'MAX_OPERATIONS_PER_CONNECTION',
    group: 'limits',
    default: 200,
    parse: integer(1, 100_000),
    description:
      'operations one WebSocket may run at once, subscriptions included (a gateway multiplexes many clients on one socket per credential); past it an `error` message `TOO_MANY_REQUESTS` for that operation id',
  }),
  maxSelections: withDefault({
    variable: 'MAX_SELECTIONS',
    group: 'limits',
    default: 500,
    parse: integer(1, 1_000_000),
    description: 'field selections one operation may have, a fragment\'s counted at each spread (whole `__schema` / `__type` subtrees aside); past it refused with `GRAPHQL_VALIDATION_FAILED` (HTTP status as for any invalid document), nothing runs',
  }),
  maxTokens: withDefault({ variable: 'MAX_TOKENS', group: 'limits', default: 2000, parse: integer(1, 10_000_000), description: 'tokens one document may have' }),
  maxBodyBytes: withDefault({
    variable: 'MAX_BODY_BYTES',
    group: 'limits',
    default: 1_048_576,
    parse: integer(1, 1_073_741_824),
    description: 'largest request body (413 above it)',
  }),
  maxDocumentBytes: withDefault({
    variable: 'MAX_DOCUMENT_BYTES',
    group: 'limits',
    default: 65_536,
    parse: integer(1, 1_073_741_824),
    description: 'largest query document in UTF-8 bytes, comments included (checked before parsing)',
  }),
  maxListEntries: withDefault({
    variable: 'MAX_LIST_ENTRIES',
    group: 'limits',
    default: 1000,
    parse: integer(1, 1_000_000),
    description:
      'list entries one operation may pass: every `sids` list and `_entities` representations list added up (inline or in variables, aliases and fragments, duplicates and malformed entries included)',
  }),
  maxErrors: withDefault({
    variable: 'MAX_ERRORS',
    group: 'limits',
    default: 100,
    parse: integer(1, 100_000),
    description: 'errors one response lists before a last `TOO_MANY_ERRORS`',
  }),

  corsOrigins: withoutDefault({
    variable: 'CORS_ORIGINS',
    group: 'security',
    defaultText: '— (demo mode: `http://localhost:4001`)',
    parse: originList,
    description: 'exact origins allowed cross-origin access, comma-separated `scheme://host[:port]` (no wildcard, no path); see Security',
  }),
  allowedHosts: withoutDefault({
    variable: 'ALLOWED_HOSTS',
    group: 'security',
    defaultText: '— (any)',
    parse: hostList,
    description:
      '`Host` values (`name[:port]`, comma-separated; a name without a port allows it on any port) the server answers on `/graphql`; another gets 421 `BAD_REQUEST` (`/health`, `/readiness` and `/metrics` aside: probes send the pod\'s address). Closes DNS rebinding against a server holding `TALKSTACK_API_KEY`: without it, the server warns at start-up when that key is set (not in demo mode)',
  }),
  persistedOperationsOnly: withDefault({
    variable: 'PERSISTED_OPERATIONS_ONLY',
    group: 'security',
    default: false,
    parse: boolean,
    description:
      'execute only the trusted documents of `PERSISTED_DOCUMENTS_FILE`, asked for by hash; anything else is HTTP 400 `PERSISTED_QUERY_NOT_FOUND`, and GraphiQL is not served (see Trusted documents)',
  }),
  persistedDocumentsFile: withDefault({
    variable: 'PERSISTED_DOCUMENTS_FILE',
    group: 'security',
    default: DEFAULT_PERSISTED_DOCUMENTS_FILE,
    parse: nonEmpty,
    description:
      "the trusted-documents manifest (relative to the working directory), as GraphQL Code Generator's client preset writes it; read and verified at start-up, only with `PERSISTED_OPERATIONS_ONLY`",
  }),

  metrics: withDefault({
    variable: 'METRICS',
    group: 'operations',
    default: true,
    parse: boolean,
    description: 'serve Prometheus metrics on `/metrics` (Operations: Metrics and tracing)',
  }),
  otelExporterOtlpEndpoint: withoutDefault({
    variable: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    group: 'operations',
    parse: httpUrl,
    description: 'an http(s) base URL: turns OpenTelemetry tracing on, spans sent OTLP over HTTP to `<url>/v1/traces`',
  }),
  shutdownDelayMs: withDefault({
    variable: 'SHUTDOWN_DELAY_MS',
    group: 'operations',
    default: 0,
    parse: integer(0, 3_600_000),
    description:
      'after SIGTERM/SIGINT, how long new requests are still served (with `/readiness` at 503) before the listener closes; see Deploying',
  }),
  shutdownGraceMs: withDefault({
    variable: 'SHUTDOWN_GRACE_MS',
    group: 'operations',
    default: 10_000,
    parse: integer(0, 3_600_000),
    description: 'once the listener is closed, how long requests in flight may take to finish before they are cut',
  }),
  heapGrowingPercent: withDefault({
    variable: 'HEAP_GROWING_PERCENT',
    group: 'operations',
    default: 100,
    parse: integer(0, 1000),
    description:
      "how much V8 may grow its heap per garbage-collection cycle, in percent (0: V8's own heuristics, which grow it up to 4×); see Performance",
  }),
  logLevel: withDefault({
    variable: 'LOG_LEVEL',
    group: 'operations',
    default: 'info' as LogLevel,
    parse: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })),
    description: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`; logs are JSON lines (pino) on stdout',
  }),
} as const;

export type SettingName = keyof typeof SETTINGS;

/** What each setting reads as: its type, or `| undefined` when it has no default. */
export type SettingValues = {
  -readonly [K in SettingName]: (typeof SETTINGS)[K] extends Setting<infer T, infer Required> ? (Required extends true ? T : T | undefined) : never;
};

