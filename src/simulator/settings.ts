/**
 * `npm run simulator`'s settings, from the environment and (for the misbehaviour switches)
 * command-line flags, which override the environment one setting at a time. Kept apart from
 * main.ts so they can be checked without starting a process. An invalid value is a
 * {@link SettingError} naming the variable or flag it came from.
 */
import { isLoopbackHost } from './admin.js';
import { DEFAULT_LIFECYCLE_STEP_MS } from './lifecycle.js';
import type { OutageMode } from './outage.js';
import type { RateLimitOptions } from './rateLimit.js';

export interface SimulatorSettings {
  port: number;
  host: string;
  latencyMs: number;
  lifecycleStepMs: number;
  syntheticProject: string | undefined;
  rateLimit: RateLimitOptions | undefined;
  outage: OutageMode;
  hang: boolean;
  admin: boolean;
}

export class SettingError extends Error {}

/** A misbehaviour setting: its variable, its flag, and whether the flag may stand alone (`--hang`). */
interface Misbehaviour {
  readonly env: string;
  readonly flag: string;
  readonly boolean: boolean;
}

const RATE_LIMIT: Misbehaviour = { env: 'SIMULATOR_RATE_LIMIT', flag: '--rate-limit', boolean: false };
const BURST: Misbehaviour = { env: 'SIMULATOR_RATE_LIMIT_BURST', flag: '--rate-limit-burst', boolean: false };
const HEADERS: Misbehaviour = { env: 'SIMULATOR_RATE_LIMIT_HEADERS', flag: '--rate-limit-headers', boolean: true };
const OUTAGE: Misbehaviour = { env: 'SIMULATOR_OUTAGE', flag: '--outage', boolean: false };
const HANG: Misbehaviour = { env: 'SIMULATOR_HANG', flag: '--hang', boolean: true };
const ADMIN: Misbehaviour = { env: 'SIMULATOR_ADMIN', flag: '--admin', boolean: true };
const MISBEHAVIOUR = [RATE_LIMIT, BURST, HEADERS, OUTAGE, HANG, ADMIN];

/** A raw value and where it came from, for error messages. */
interface Raw {
  readonly value: string;
  readonly source: string;
}

export function readSettings(env: NodeJS.ProcessEnv, argv: readonly string[]): SimulatorSettings {
  const flags = parseFlags(argv);
  const raw = (setting: Misbehaviour): Raw | undefined => {
    const flag = flags.get(setting.flag);
    if (flag !== undefined) return { value: flag, source: setting.flag };
    const value = env[setting.env];
    // Empty means unset, like the other settings.
    return value === undefined || value.trim() === '' ? undefined : { value, source: setting.env };
  };
  const envInt = (name: string, fallback: number, min: number, max: number): number => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? fallback : int({ value, source: name }, min, max);
  };

  const host = env.SIMULATOR_HOST?.trim() || '127.0.0.1';
  const rateLimit = optional(raw(RATE_LIMIT), (r) => int(r, 1, 100_000));
  const burst = optional(raw(BURST), (r) => int(r, 1, 1_000_000));
  const headers = optional(raw(HEADERS), bool);
  // Without a rate limit these would be silently ignored: most likely the limit was forgotten.
  // (Headers off is harmless either way.)
  for (const [set, setting] of [[burst !== undefined, BURST], [headers === true, HEADERS]] as const) {
    if (set && rateLimit === undefined) {
      throw new SettingError(`${raw(setting)?.source ?? setting.env} needs a rate limit (${RATE_LIMIT.env} or ${RATE_LIMIT.flag})`);
    }
  }
  const admin = optional(raw(ADMIN), bool) ?? false;
  if (admin && !isLoopbackHost(host)) {
    throw new SettingError(
      `${raw(ADMIN)?.source ?? ADMIN.env} needs SIMULATOR_HOST to be 127.0.0.1, ::1 or localhost, got "${host}": ` +
        'the admin route can take the simulator down and must not be reachable from other machines',
    );
  }
  return {
    port: envInt('SIMULATOR_PORT', 4010, 0, 65535),
    host,
    latencyMs: envInt('SIMULATOR_LATENCY_MS', 0, 0, 600_000),
    lifecycleStepMs: envInt('SIMULATOR_LIFECYCLE_STEP_MS', DEFAULT_LIFECYCLE_STEP_MS, 1, 3_600_000),
    syntheticProject: env.SIMULATOR_SYNTHETIC_PROJECT?.trim() || undefined,
    rateLimit: rateLimit === undefined ? undefined : { perSecond: rateLimit, burst: burst ?? rateLimit, headers: headers ?? false },
    outage: optional(raw(OUTAGE), outage) ?? 'off',
    hang: optional(raw(HANG), bool) ?? false,
    admin,
  };
}

/** The banner's lines for what is switched on; none when the simulator behaves. */
export function describeMisbehaviour(settings: SimulatorSettings, url: string): string[] {
  const lines: string[] = [];
  const { rateLimit, outage } = settings;
  if (rateLimit) {
    lines.push(
      `  rate limit: ${rateLimit.perSecond}/s per credential, burst ${rateLimit.burst ?? rateLimit.perSecond}` +
        `${rateLimit.headers ? ', with RateLimit-* headers' : ''} (then 429 with Retry-After)`,
    );
  }
  if (outage === 'refuse') lines.push('  outage: refusing connections (nothing listens on the port)');
  else if (outage !== 'off') lines.push(`  outage: every POST /call answers ${outage}`);
  if (settings.hang) lines.push('  hang: every POST /call is read and never answered');
  if (settings.admin) {
    lines.push(
      `  admin (loopback only; unreachable while refusing connections): curl -s ${url}/__admin -d '{"outage":503}'`,
      '    fields, any subset: rateLimit {perSecond, burst?, headers?} or null, outage "off" | "refuse" | 500..599, hang true | false',
    );
  }
  return lines;
}

function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const equals = arg.indexOf('=');
    const name = equals === -1 ? arg : arg.slice(0, equals);
    const setting = MISBEHAVIOUR.find((candidate) => candidate.flag === name);
    if (!setting) throw new SettingError(`unknown argument "${arg}" (known: ${MISBEHAVIOUR.map((s) => s.flag).join(', ')})`);
    if (equals === -1 && !setting.boolean) throw new SettingError(`${name} needs a value (${name}=…)`);
    // The last occurrence wins, as with most command-line tools.
    flags.set(name, equals === -1 ? 'true' : arg.slice(equals + 1));
  }
  return flags;
}

function optional<T>(raw: Raw | undefined, parse: (raw: Raw) => T): T | undefined {
  return raw === undefined ? undefined : parse(raw);
}

function int({ value, source }: Raw, min: number, max: number): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number < min || number > max) {
    throw new SettingError(`${source} must be an integer in ${min}..${max}, got "${value}"`);
  }
  return number;
}

function bool({ value, source }: Raw): boolean {
  const normalized = value.trim().toLowerCase();
  if (normalized === 'true' || normalized === '1') return true;
  if (normalized === 'false' || normalized === '0') return false;
  throw new SettingError(`${source} must be true, false, 1 or 0, got "${value}"`);
}

function outage({ value, source }: Raw): OutageMode {
  const normalized = value.trim().toLowerCase();
  if (normalized === 'off' || normalized === 'refuse') return normalized;
  const status = Number(normalized);
  if (normalized !== '' && Number.isInteger(status) && status >= 500 && status <= 599) return status;
  throw new SettingError(`${source} must be off, refuse or a status 500..599, got "${value}"`);
}
