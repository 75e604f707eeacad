/**
 * The server's configuration: every setting of settings.ts read once from the environment and
 * checked. An invalid value stops start-up with a message naming the variable, every invalid
 * variable at once (contract: "Start-up"). Pure: no file is read here (the trusted-documents
 * manifest is read at start-up, startup.ts).
 */
import { DEMO_DASHBOARD_ORIGIN, SETTINGS, type SettingName, type SettingValues } from './settings.js';

export { DEFAULT_PERSISTED_DOCUMENTS_FILE, DEFAULT_TALKSTACK_API_URL, DEMO_DASHBOARD_ORIGIN } from './settings.js';

export type Config = Omit<SettingValues, 'demo' | 'corsOrigins'> & {
  /** true when the built-in simulator is the upstream */
  demo: boolean;
  /** exact origins allowed cross-origin access (no wildcard); empty: none */
  corsOrigins: readonly string[];
  /** UPSTREAM_TIMEOUT_MS was set: demo mode then keeps it instead of its shorter default */
  upstreamTimeoutExplicit: boolean;
};

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

export type Env = Readonly<Record<string, string | undefined>>;

/** Each setting's value in `env`, or its default; what is invalid goes to `problems`. */
export function readSettings(env: Env, problems: SettingProblem[]): SettingValues {
  const values: Partial<Record<SettingName, unknown>> = {};
  for (const [name, setting] of Object.entries(SETTINGS) as [SettingName, (typeof SETTINGS)[SettingName]][]) {
    const raw = env[setting.variable];
    values[name] = setting.default;
    // An empty variable is treated as unset: shells and compose files often export `X=`.
    if (raw === undefined || raw.trim() === '') continue;
    const result = setting.parse.safeParse(raw);
    if (result.success) values[name] = result.data;
    else problems.push({ variable: setting.variable, problem: result.error.issues[0]?.message ?? 'invalid value' });
  }
  return values as SettingValues;
}

/** Builds the configuration from an environment (process.env by default); throws ConfigError. */
export function loadConfig(env: Env = process.env): Config {
  const problems: SettingProblem[] = [];
  const config = configOf(readSettings(env, problems), env);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The settings as the server uses them: demo mode decided, its defaults applied. */
export function configOf(values: SettingValues, env: Env): Config {
  const set = (name: SettingName) => (env[SETTINGS[name].variable]?.trim() ?? '') !== '';
  const demo = values.demo ?? (!set('talkstackApiUrl') && !set('talkstackApiKey'));
  return {
    ...values,
    demo,
    corsOrigins: values.corsOrigins ?? (demo ? [DEMO_DASHBOARD_ORIGIN] : []),
    upstreamTimeoutExplicit: set('upstreamTimeoutMs'),
  };
}
