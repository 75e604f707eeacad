/**
 * The settings (config/config.ts): the contract's defaults, every variable read, when demo
 * mode is on, CORS_ORIGINS' defaults, and invalid settings refused all at once, one line each,
 * naming the variable. (The trusted-documents manifest read at start-up: startup.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_TALKSTACK_API_URL, DEMO_DASHBOARD_ORIGIN, loadConfig } from '../../../src/config/config.js';

describe('configuration', () => {
  it('has the contract defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 4000,
      host: '0.0.0.0',
      talkstackApiUrl: DEFAULT_TALKSTACK_API_URL,
      talkstackApiKey: undefined,
      talkstackProjectId: undefined,
      demo: true,
      upstreamConcurrency: 64,
      upstreamTimeoutMs: 10_000,
      upstreamTimeoutExplicit: false,
      upstreamRetries: 2,
      upstreamMaxBodyBytes: 262_144,
      maxCallsPerRequest: 500,
      cacheTtlSeconds: 3600,
      redisUrl: undefined,
      redisKeySecret: undefined,
      metrics: true,
      otelExporterOtlpEndpoint: undefined,
      callPollIntervalMs: 2000,
      callWatchMaxSeconds: 3600,
      graphiql: true,
      introspection: true,
      maxDepth: 8,
      maxAliases: 20,
      maxTokens: 2000,
      maxBodyBytes: 1_048_576,
      maxDocumentBytes: 65_536,
      maxListEntries: 1000,
      maxErrors: 100,
      maxSelections: 500,
      maxOperationsPerConnection: 200,
      maxResponseBytes: 8_388_608,
      upstreamMaxWaitMs: 10_000,
      maxWaitingCallsPerTenant: 5000,
      staleIfErrorSeconds: 300,
      cacheMaxBytes: 67_108_864,
      maxSubscriptionsPerCredential: 100,
      maxWatchedCallsPerCredential: 500,
      maxSubscriptions: 10_000,
      corsOrigins: ['http://localhost:4001'],
      shutdownDelayMs: 0,
      shutdownGraceMs: 10_000,
      logLevel: 'info',
      heapGrowingPercent: 100,
      persistedOperationsOnly: false,
      persistedDocumentsFile: 'examples/generated/persisted-documents.json',
      trustedDocuments: undefined,
    });
  });

  it('reads every setting', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      TALKSTACK_API_URL: 'http://127.0.0.1:9000/v1/',
      TALKSTACK_API_KEY: 'k',
      TALKSTACK_PROJECT_ID: 'p',
      UPSTREAM_CONCURRENCY: '8',
      UPSTREAM_TIMEOUT_MS: '500',
      UPSTREAM_RETRIES: '0',
      UPSTREAM_MAX_BODY_BYTES: '4096',
      MAX_CALLS_PER_REQUEST: '10',
      CACHE_TTL_SECONDS: '0',
      REDIS_URL: 'redis://127.0.0.1:6379',
      CALL_POLL_INTERVAL_MS: '100',
      CALL_WATCH_MAX_SECONDS: '60',
      GRAPHIQL: 'false',
      GRAPHQL_INTROSPECTION: '0',
      MAX_DEPTH: '5',
      MAX_ALIASES: '3',
      MAX_TOKENS: '100',
      MAX_BODY_BYTES: '1000',
      LOG_LEVEL: 'WARN',
      HEAP_GROWING_PERCENT: '0',
      SHUTDOWN_DELAY_MS: '5000',
      SHUTDOWN_GRACE_MS: '0',
      // Only read with PERSISTED_OPERATIONS_ONLY (startup.test.ts).
      PERSISTED_DOCUMENTS_FILE: 'build/persisted-documents.json',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      talkstackApiUrl: 'http://127.0.0.1:9000/v1',
      talkstackApiKey: 'k',
      talkstackProjectId: 'p',
      demo: false,
      upstreamConcurrency: 8,
      upstreamTimeoutMs: 500,
      upstreamTimeoutExplicit: true,
      upstreamRetries: 0,
      upstreamMaxBodyBytes: 4096,
      maxCallsPerRequest: 10,
      cacheTtlSeconds: 0,
      redisUrl: 'redis://127.0.0.1:6379',
      callPollIntervalMs: 100,
      callWatchMaxSeconds: 60,
      graphiql: false,
      introspection: false,
      maxDepth: 5,
      maxAliases: 3,
      maxTokens: 100,
      maxBodyBytes: 1000,
      logLevel: 'warn',
      heapGrowingPercent: 0,
      shutdownDelayMs: 5000,
      shutdownGraceMs: 0,
      persistedOperationsOnly: false,
      persistedDocumentsFile: 'build/persisted-documents.json',
    });
  });

  it('turns demo mode on only when no upstream is configured, unless TALKSTACK_DEMO says otherwise', () => {
    expect(loadConfig({}).demo).toBe(true);
    expect(loadConfig({ TALKSTACK_API_KEY: 'k' }).demo).toBe(false);
    expect(loadConfig({ TALKSTACK_API_URL: 'https://example.test' }).demo).toBe(false);
    expect(loadConfig({ TALKSTACK_API_KEY: 'k', TALKSTACK_DEMO: 'true' }).demo).toBe(true);
    expect(loadConfig({ TALKSTACK_DEMO: '0' }).demo).toBe(false);
  });

  it('reads the Redis, metrics and tracing settings', () => {
    expect(loadConfig({ REDIS_KEY_SECRET: 'a-secret-of-16-chars', METRICS: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toMatchObject({
      redisKeySecret: 'a-secret-of-16-chars',
      metrics: false,
      otelExporterOtlpEndpoint: 'http://collector:4318',
    });
  });

  it('CORS_ORIGINS: demo mode allows the example dashboard; otherwise no origin', () => {
    const dashboard = 'https://dash.example.com';
    expect(loadConfig({}).corsOrigins).toEqual([DEMO_DASHBOARD_ORIGIN]);
    expect(loadConfig({ TALKSTACK_DEMO: 'true' }).corsOrigins).toEqual([DEMO_DASHBOARD_ORIGIN]);
    expect(loadConfig({ TALKSTACK_API_KEY: 'k', TALKSTACK_API_URL: 'https://api.example.com' }).corsOrigins).toEqual([]);
    expect(loadConfig({ TALKSTACK_DEMO: 'true', CORS_ORIGINS: dashboard }).corsOrigins).toEqual([dashboard]);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', TALKSTACK_API_KEY: ' ', UPSTREAM_TIMEOUT_MS: '' })).toMatchObject({
      port: 4000,
      talkstackApiKey: undefined,
      // Unset: demo mode's shorter per-try timeout applies (demo/demoMode.ts).
      upstreamTimeoutExplicit: false,
    });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['UPSTREAM_CONCURRENCY', '0'],
    ['UPSTREAM_TIMEOUT_MS', '1.5'],
    ['UPSTREAM_RETRIES', '-1'],
    ['TALKSTACK_API_URL', 'not a url'],
    ['TALKSTACK_API_URL', 'ftp://example.test'],
    ['REDIS_URL', 'http://127.0.0.1'],
    ['GRAPHIQL', 'maybe'],
    ['PERSISTED_OPERATIONS_ONLY', 'maybe'],
    ['TALKSTACK_DEMO', 'sometimes'],
    ['MAX_BODY_BYTES', '1e6'],
    ['LOG_LEVEL', 'loud'],
    ['SHUTDOWN_DELAY_MS', '-1'],
    ['SHUTDOWN_GRACE_MS', '2s'],
    ['REDIS_KEY_SECRET', 'short'],
    ['METRICS', 'perhaps'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid setting ${name}: `));
  });

  it('reports every invalid setting at once, one line each, in a stable order', () => {
    const env = { PORT: 'abc', UPSTREAM_RETRIES: '99', LOG_LEVEL: 'loud', SHUTDOWN_GRACE_MS: '-5', TALKSTACK_API_URL: 'nope' };
    let error: unknown;
    try {
      loadConfig(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems.map((p) => p.variable)).toEqual(['PORT', 'TALKSTACK_API_URL', 'UPSTREAM_RETRIES', 'SHUTDOWN_GRACE_MS', 'LOG_LEVEL']);
    const lines = message.split('\n');
    expect(lines).toHaveLength(5);
    problems.forEach((problem, i) => expect(lines[i]).toBe(`Invalid setting ${problem.variable}: ${problem.problem}`));
  });
});
