/**
 * The simulator's admin route, `POST /__admin`: switches its misbehaviour (rate limit,
 * outage, hang) at run time, for a simulator started by `npm run simulator` that a test or a
 * person cannot reach through the programmatic API. It exists only when asked for
 * (`admin: true`) and only answers loopback peers: whoever reaches it can take the upstream
 * down. With the `'refuse'` outage nothing listens, so the route is unreachable too; only
 * the programmatic API (or a restart) turns that outage off.
 */
import { checkOutage, type OutageMode } from './outage.js';
import { checkRateLimit, type RateLimit } from './rateLimit.js';

export const ADMIN_PATH = '/__admin';

/** The simulator's misbehaviour switches, as the admin route answers them. */
export interface MisbehaviourState {
  rateLimit: RateLimit | null;
  outage: OutageMode;
  hang: boolean;
}

/** What one admin request asks to change; absent fields stay as they are. */
export type AdminChange = Partial<MisbehaviourState>;

const FIELDS: ReadonlySet<string> = new Set(['rateLimit', 'outage', 'hang']);

// Node reports an IPv4 peer of a dual-stack socket as IPv4-mapped IPv6.
const LOOPBACK_ADDRESSES: ReadonlySet<string> = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** A peer address (`socket.remoteAddress`) the admin route answers. */
export function isLoopbackAddress(address: string | undefined): boolean {
  return address !== undefined && LOOPBACK_ADDRESSES.has(address);
}

/** A host to listen on that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host.toLowerCase() === 'localhost';
}

/** Thrown for a request body the admin route refuses; its message is the 400's `error`. */
export class AdminInputError extends Error {}

/** Parses and checks a whole request body before anything changes, so a bad request changes nothing. */
export function parseAdminChange(raw: Buffer): AdminChange {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AdminInputError('body must be JSON, e.g. {"outage":503}');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AdminInputError('body must be a JSON object with any of rateLimit, outage, hang');
  }
  const fields = body as Record<string, unknown>;
  for (const name of Object.keys(fields)) {
    if (!FIELDS.has(name)) throw new AdminInputError(`unknown field "${name}" (known: rateLimit, outage, hang)`);
  }
  const change: AdminChange = {};
  try {
    if ('rateLimit' in fields) change.rateLimit = fields.rateLimit === null ? null : checkRateLimit(fields.rateLimit);
    if ('outage' in fields) change.outage = checkOutage(fields.outage);
  } catch (error) {
    throw new AdminInputError(error instanceof Error ? error.message : String(error));
  }
  if ('hang' in fields) {
    if (typeof fields.hang !== 'boolean') throw new AdminInputError(`hang must be true or false, got ${JSON.stringify(fields.hang)}`);
    change.hang = fields.hang;
  }
  return change;
}
