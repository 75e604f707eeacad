/**
 * Every setting of the server, read once from the environment and validated.
 * An invalid value stops start-up with a message naming the variable (contract: "Start-up").
 */
import { z } from 'zod';
import { ManifestError, readTrustedManifest, type TrustedDocuments } from './limits/trustedManifest.js';
import { LOG_LEVELS, type LogLevel } from './logger.js';

export interface Config {
  port: number;
  host: string;
  /** upstream base URL, without a trailing slash */
  talkstackApiUrl: string;
  talkstackApiKey: string | undefined;
  talkstackProjectId: string | undefined;
  /** true when the built-in simulator is the upstream */
  demo: boolean;
  upstreamConcurrency: number;
  upstreamTimeoutMs: number;
  /** UPSTREAM_TIMEOUT_MS was set: demo mode then keeps it instead of its shorter default */
  upstreamTimeoutExplicit: boolean;
  upstreamRetries: number;
  /** largest upstream answer read */
  upstreamMaxBodyBytes: number;
  maxCallsPerRequest: number;
  cacheTtlSeconds: number;
  redisUrl: string | undefined;
  /** with REDIS_URL: the secret credential fingerprints in Redis keys are HMACs with */
  redisKeySecret: string | undefined;
  /** serve /metrics */
  metrics: boolean;
  /** OTLP over HTTP base URL (traces go to /v1/traces); undefined: tracing off */
  otelExporterOtlpEndpoint: string | undefined;
  callPollIntervalMs: number;
  callWatchMaxSeconds: number;
  graphiql: boolean;
  introspection: boolean;
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxBodyBytes: number;
  /** largest query document, comments included; checked before parsing */
  maxDocumentBytes: number;
  /** `sids` and `_entities` representation entries one operation may pass, all added up */
  maxListEntries: number;
  /** errors one response lists before a last TOO_MANY_ERRORS */
  maxErrors: number;
  maxSubscriptionsPerCredential: number;
  maxWatchedCallsPerCredential: number;
  maxSubscriptions: number;
  /** exact origins allowed cross-origin access (no wildcard); empty: none */
  corsOrigins: readonly string[];
  /** how long new requests are still served after SIGTERM/SIGINT */
  shutdownDelayMs: number;
  /** how long in-flight requests may finish once the listener is closed */
  shutdownGraceMs: number;
  logLevel: LogLevel;
  /** V8's heap growth per GC cycle, in percent; 0 leaves V8's own heuristics */
  heapGrowingPercent: number;
  /** execute only the trusted documents of `persistedDocumentsFile` */
  persistedOperationsOnly: boolean;
  /** the trusted-documents manifest (codegen's client preset writes it), relative to the working directory */
  persistedDocumentsFile: string;
  /** with `persistedOperationsOnly`: the manifest as read and verified at start-up (else read by `trustedDocumentsOf`) */
  trustedDocuments: TrustedDocuments | undefined;
}

export const DEFAULT_TALKSTACK_API_URL = 'https://api.talkstackai.com';

/** Where `npm run codegen` writes the examples' manifest. */
export const DEFAULT_PERSISTED_DOCUMENTS_FILE = 'examples/generated/persisted-documents.json';

/** The example dashboard's origin (`npm run example:web`), allowed by default in demo mode. */
export const DEMO_DASHBOARD_ORIGIN = 'http://localhost:4001';

export interface SettingProblem {
  variable: string;
  problem: string;
}

/** Every invalid setting of an environment, reported together (one line each). */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: readonly SettingProblem[];
  constructor(problems: readonly SettingProblem[]) {
    super(problems.map(({ variable, problem }) => `Invalid setting ${variable}: ${problem}`).join('\n'));
    this.problems = problems;
  }
  /** the first invalid variable */
  get variable(): string {
    return this.problems[0]?.variable ?? '';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

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

const httpUrl = z
  .string()
  .trim()
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }));

const nonEmpty = z.string().trim().min(1, 'must not be empty');

/** `scheme://host[:port]` exactly as a browser sends it in `Origin`: no path, no wildcard. */
function isExactOrigin(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text;
}

const originList = z
  .string()
  .transform((text) => text.split(',').map((origin) => origin.trim()).filter((origin) => origin !== ''))
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

/** One parser per variable; the key is the variable's name, so errors name it. */
const settings = {
  PORT: integer(0, 65535),
  HOST: nonEmpty,
  TALKSTACK_API_URL: httpUrl,
  TALKSTACK_API_KEY: nonEmpty,
  TALKSTACK_PROJECT_ID: nonEmpty,
  TALKSTACK_DEMO: boolean,
  UPSTREAM_CONCURRENCY: integer(1, 10_000),
  UPSTREAM_TIMEOUT_MS: integer(1, 600_000),
  UPSTREAM_RETRIES: integer(0, 10),
  UPSTREAM_MAX_BODY_BYTES: integer(1024, 1_073_741_824),
  MAX_CALLS_PER_REQUEST: integer(1, 100_000),
  CACHE_TTL_SECONDS: integer(0, 31_536_000),
  REDIS_URL: z.string().trim().pipe(z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })),
  REDIS_KEY_SECRET: z.string().min(16, 'must be at least 16 characters'),
  METRICS: boolean,
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl,
  CALL_POLL_INTERVAL_MS: integer(10, 3_600_000),
  CALL_WATCH_MAX_SECONDS: integer(1, 604_800),
  GRAPHIQL: boolean,
  GRAPHQL_INTROSPECTION: boolean,
  MAX_DEPTH: integer(1, 1000),
  MAX_ALIASES: integer(0, 100_000),
  MAX_TOKENS: integer(1, 10_000_000),
  MAX_BODY_BYTES: integer(1, 1_073_741_824),
  MAX_DOCUMENT_BYTES: integer(1, 1_073_741_824),
  MAX_LIST_ENTRIES: integer(1, 1_000_000),
  MAX_ERRORS: integer(1, 100_000),
  MAX_SUBSCRIPTIONS_PER_CREDENTIAL: integer(1, 1_000_000),
  MAX_WATCHED_CALLS_PER_CREDENTIAL: integer(1, 1_000_000),
  MAX_SUBSCRIPTIONS: integer(1, 10_000_000),
  CORS_ORIGINS: originList,
  SHUTDOWN_DELAY_MS: integer(0, 3_600_000),
  SHUTDOWN_GRACE_MS: integer(0, 3_600_000),
  HEAP_GROWING_PERCENT: integer(0, 1000),
  PERSISTED_OPERATIONS_ONLY: boolean,
  PERSISTED_DOCUMENTS_FILE: nonEmpty,
  LOG_LEVEL: z.string().trim().toLowerCase().pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })),
} as const;

type Settings = typeof settings;
type Parsed = { [K in keyof Settings]: z.output<Settings[K]> | undefined };

function read<K extends keyof Settings>(env: Env, name: K, problems: SettingProblem[]): z.output<Settings[K]> | undefined {
  const raw = env[name];
  // An empty variable is treated as unset: shells and compose files often export `X=`.
  if (raw === undefined || raw.trim() === '') return undefined;
  const result = settings[name].safeParse(raw);
  if (!result.success) {
    problems.push({ variable: name, problem: result.error.issues[0]?.message ?? 'invalid value' });
    return undefined;
  }
  return result.data as z.output<Settings[K]>;
}

/**
 * Builds the configuration from an environment (process.env by default).
 * `demoDefaults` supplies the simulator's credential and project when demo mode is on;
 * the simulator itself is started by the entry point, which then sets `talkstackApiUrl`.
 */
export function loadConfig(env: Env = process.env): Config {
  // Every variable is read before failing, so one start reports every invalid setting.
  const problems: SettingProblem[] = [];
  const v = Object.fromEntries(
    (Object.keys(settings) as (keyof Settings)[]).map((name) => [name, read(env, name, problems)]),
  ) as Parsed;
  const persistedDocumentsFile = v.PERSISTED_DOCUMENTS_FILE ?? DEFAULT_PERSISTED_DOCUMENTS_FILE;
  // Read here, so a missing or tampered manifest is reported with the other invalid settings.
  const trustedDocuments = v.PERSISTED_OPERATIONS_ONLY ? readManifest(persistedDocumentsFile, problems) : undefined;
  if (problems.length > 0) throw new ConfigError(problems);

  const demo = v.TALKSTACK_DEMO ?? (v.TALKSTACK_API_URL === undefined && v.TALKSTACK_API_KEY === undefined);

  return {
    port: v.PORT ?? 4000,
    host: v.HOST ?? '0.0.0.0',
    talkstackApiUrl: (v.TALKSTACK_API_URL ?? DEFAULT_TALKSTACK_API_URL).replace(/\/+$/, ''),
    talkstackApiKey: v.TALKSTACK_API_KEY,
    talkstackProjectId: v.TALKSTACK_PROJECT_ID,
    demo,
    upstreamConcurrency: v.UPSTREAM_CONCURRENCY ?? 64,
    upstreamTimeoutMs: v.UPSTREAM_TIMEOUT_MS ?? 10_000,
    upstreamTimeoutExplicit: v.UPSTREAM_TIMEOUT_MS !== undefined,
    upstreamRetries: v.UPSTREAM_RETRIES ?? 2,
    upstreamMaxBodyBytes: v.UPSTREAM_MAX_BODY_BYTES ?? 262_144,
    maxCallsPerRequest: v.MAX_CALLS_PER_REQUEST ?? 500,
    cacheTtlSeconds: v.CACHE_TTL_SECONDS ?? 3600,
    redisUrl: v.REDIS_URL,
    redisKeySecret: v.REDIS_KEY_SECRET,
    metrics: v.METRICS ?? true,
    otelExporterOtlpEndpoint: v.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, ''),
    callPollIntervalMs: v.CALL_POLL_INTERVAL_MS ?? 2000,
    callWatchMaxSeconds: v.CALL_WATCH_MAX_SECONDS ?? 3600,
    graphiql: v.GRAPHIQL ?? true,
    introspection: v.GRAPHQL_INTROSPECTION ?? true,
    maxDepth: v.MAX_DEPTH ?? 8,
    maxAliases: v.MAX_ALIASES ?? 20,
    maxTokens: v.MAX_TOKENS ?? 2000,
    maxBodyBytes: v.MAX_BODY_BYTES ?? 1_048_576,
    maxDocumentBytes: v.MAX_DOCUMENT_BYTES ?? 65_536,
    maxListEntries: v.MAX_LIST_ENTRIES ?? 1000,
    maxErrors: v.MAX_ERRORS ?? 100,
    maxSubscriptionsPerCredential: v.MAX_SUBSCRIPTIONS_PER_CREDENTIAL ?? 100,
    maxWatchedCallsPerCredential: v.MAX_WATCHED_CALLS_PER_CREDENTIAL ?? 500,
    maxSubscriptions: v.MAX_SUBSCRIPTIONS ?? 10_000,
    corsOrigins: v.CORS_ORIGINS ?? (demo ? [DEMO_DASHBOARD_ORIGIN] : []),
    shutdownDelayMs: v.SHUTDOWN_DELAY_MS ?? 0,
    shutdownGraceMs: v.SHUTDOWN_GRACE_MS ?? 10_000,
    logLevel: v.LOG_LEVEL ?? 'info',
    heapGrowingPercent: v.HEAP_GROWING_PERCENT ?? 100,
    persistedOperationsOnly: v.PERSISTED_OPERATIONS_ONLY ?? false,
    persistedDocumentsFile,
    trustedDocuments,
  };
}

function readManifest(file: string, problems: SettingProblem[]): TrustedDocuments | undefined {
  try {
    return readTrustedManifest(file);
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    problems.push({ variable: 'PERSISTED_DOCUMENTS_FILE', problem: error.message });
    return undefined;
  }
}

/**
 * The trusted documents a server executes (undefined: PERSISTED_OPERATIONS_ONLY is off), read
 * now when `config` was built without them (`configWith`); a bad manifest is a ConfigError.
 */
export function trustedDocumentsOf(config: Config): TrustedDocuments | undefined {
  if (!config.persistedOperationsOnly) return undefined;
  if (config.trustedDocuments) return config.trustedDocuments;
  const problems: SettingProblem[] = [];
  const documents = readManifest(config.persistedDocumentsFile, problems);
  if (documents === undefined) throw new ConfigError(problems);
  return documents;
}

/** A complete configuration for tests and embedders: defaults overridden by `overrides`. */
export function configWith(overrides: Partial<Config>): Config {
  return { ...loadConfig({}), demo: false, ...overrides };
}
