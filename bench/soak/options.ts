/**
 * Settings of a soak run: defaults, validation, and reading them from `SOAK_*` variables.
 */

export interface SoakOptions {
  /** Length of the load phase. Default 60. */
  seconds?: number;
  /** RSS measured from here on. Default: 10 s, or 1/6 of `seconds` when that is shorter. */
  warmupSeconds?: number;
  /** Concurrent client workers. Default 32. */
  concurrency?: number;
  /** Budget of GraphQL requests, so a run stays bounded in count as well as in time. */
  maxRequests?: number;
  /** Per request to the GraphQL server. Default 5000. */
  requestTimeoutMs?: number;
  /** Simulator latency added to every upstream answer. Default 5. */
  upstreamLatencyMs?: number;
  /** Server's UPSTREAM_TIMEOUT_MS: what a hanging upstream costs per try. Default 300. */
  upstreamTimeoutMs?: number;
  /** Server's UPSTREAM_RETRIES. Default 1. */
  upstreamRetries?: number;
  /** RSS sampling period after warm-up. Default 5. */
  rssIntervalSeconds?: number;
  /** Progress line period. Default 5. */
  progressIntervalSeconds?: number;
  /** Target: largest accepted RSS growth after warm-up, in percent. Default 20. */
  maxRssGrowthPercent?: number;
  /** Seed of the operation mix, so a failing run can be replayed. Default: random. */
  seed?: number;
  /** The compiled server entry. Default `dist/src/main.js` of this project. */
  serverEntry?: string;
  /** Bound on waiting for the server's banner. Default 15000. */
  startTimeoutMs?: number;
  /** Progress and notices; default none (the CLI passes console.log). */
  log?: (line: string) => void;
}

export type ResolvedOptions = Required<Omit<SoakOptions, 'log' | 'serverEntry'>> & {
  serverEntry: string | undefined;
  log: (line: string) => void;
};

function positive(name: string, value: number, { integer = false, allowZero = false } = {}): number {
  const ok = Number.isFinite(value) && (allowZero ? value >= 0 : value > 0) && (!integer || Number.isInteger(value));
  if (!ok) {
    throw new RangeError(`${name} must be a ${integer ? 'whole ' : ''}number ${allowZero ? '>= 0' : '> 0'}, got ${String(value)}`);
  }
  return value;
}

export function resolveOptions(options: SoakOptions = {}): ResolvedOptions {
  const seconds = positive('seconds', options.seconds ?? 60);
  const warmupSeconds = positive('warmupSeconds', options.warmupSeconds ?? Math.min(10, seconds / 6), { allowZero: true });
  // RSS growth needs a warm-up sample and at least one later one.
  if (warmupSeconds >= seconds) throw new RangeError(`warmupSeconds (${warmupSeconds}) must be shorter than seconds (${seconds})`);
  const concurrency = positive('concurrency', options.concurrency ?? 32, { integer: true });
  return {
    seconds,
    warmupSeconds,
    concurrency,
    // At most one request per worker per millisecond: never reached in practice, but finite.
    maxRequests: positive('maxRequests', options.maxRequests ?? Math.ceil(seconds * 1000 * concurrency), { integer: true }),
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs ?? 5000),
    upstreamLatencyMs: positive('upstreamLatencyMs', options.upstreamLatencyMs ?? 5, { allowZero: true }),
    upstreamTimeoutMs: positive('upstreamTimeoutMs', options.upstreamTimeoutMs ?? 300, { integer: true }),
    upstreamRetries: positive('upstreamRetries', options.upstreamRetries ?? 1, { integer: true, allowZero: true }),
    rssIntervalSeconds: positive('rssIntervalSeconds', options.rssIntervalSeconds ?? 5),
    progressIntervalSeconds: positive('progressIntervalSeconds', options.progressIntervalSeconds ?? 5),
    maxRssGrowthPercent: positive('maxRssGrowthPercent', options.maxRssGrowthPercent ?? 20, { allowZero: true }),
    seed: positive('seed', options.seed ?? Math.floor(Math.random() * 2 ** 31) + 1, { integer: true }),
    serverEntry: options.serverEntry,
    startTimeoutMs: positive('startTimeoutMs', options.startTimeoutMs ?? 15_000),
    log: options.log ?? (() => {}),
  };
}

/** Variable → option, for the CLI. */
const ENV_OPTIONS = {
  SOAK_SECONDS: 'seconds',
  SOAK_WARMUP_SECONDS: 'warmupSeconds',
  SOAK_CONCURRENCY: 'concurrency',
  SOAK_MAX_REQUESTS: 'maxRequests',
  SOAK_SEED: 'seed',
} as const satisfies Record<string, keyof SoakOptions>;

/** Options from `SOAK_*` variables; throws naming the variable when one is not a number. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): SoakOptions {
  const options: SoakOptions = {};
  for (const [name, key] of Object.entries(ENV_OPTIONS)) {
    const raw = env[name]?.trim();
    // Empty counts as unset, as for the server's own settings.
    if (!raw) continue;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new RangeError(`${name} must be a number, got ${JSON.stringify(raw)}`);
    options[key] = value;
  }
  return options;
}
