/**
 * What a request authenticates with upstream. Both headers are forwarded unchanged when
 * present; `id` is a one-way digest of them, used wherever calls are keyed (loader, shared
 * fetches, caches, the fair scheduler's tenants) so data fetched with one credential is never
 * served to another, and no secret is kept in keys, logs or metrics (logs name a credential
 * by a keyed fingerprint of `id`, logFingerprint.ts).
 */
import { createHash } from 'node:crypto';
import { API_KEY_HEADER, AUTHORIZATION_HEADER } from './wire.js';

export interface Credential {
  readonly authorization?: string;
  readonly apiKey?: string;
  /**
   * sha256 of both headers, to use as a key part. Not for logs: anyone could hash a guessed
   * key and compare; log lines use the keyed fingerprint of logFingerprint.ts.
   */
  readonly id: string;
  /**
   * Who pays upstream, for the fair scheduler: a digest of the api key when there is one,
   * else of the Authorization value (scheme case and spacing ignored). Coarser than `id` on
   * purpose: one key sent with a different junk Authorization each time is still one tenant,
   * not many with a share of the slots each. Never used to key data.
   */
  readonly tenant: string;
  /** the headers of an upstream call made with it (credential and content type), built once */
  readonly upstreamHeaders: Readonly<Record<string, string>>;
}

interface HeaderSource {
  get(name: string): string | null;
}

export function makeCredential(authorization: string | undefined, apiKey: string | undefined): Credential | undefined {
  if (!authorization && !apiKey) return undefined;
  const id = createHash('sha256')
    .update(`${authorization?.length ?? -1}:${authorization ?? ''}${apiKey ?? ''}`)
    .digest('base64url');
  const payer = apiKey ? `k:${apiKey}` : `a:${(authorization ?? '').trim().replace(/\s+/g, ' ').replace(/^\S+/, (scheme) => scheme.toLowerCase())}`;
  const tenant = createHash('sha256').update(payer).digest('base64url');
  const upstreamHeaders: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization) upstreamHeaders[AUTHORIZATION_HEADER] = authorization;
  if (apiKey) upstreamHeaders[API_KEY_HEADER] = apiKey;
  return Object.freeze({ ...(authorization ? { authorization } : {}), ...(apiKey ? { apiKey } : {}), id, tenant, upstreamHeaders });
}

/**
 * Recently seen credentials, so a client sending the same key on every request does not cost
 * a digest and three objects each time. Bounded in entries (cleared whole when full: cheap,
 * and a credential seen again is simply rebuilt) and in size: a credential whose header text
 * is over RECENT_MAX_TEXT is never kept (real keys and tokens are far shorter), so the memo
 * holds at most ~1 MB whatever clients send, and no request can pin a large string.
 */
const RECENT_LIMIT = 1000;
const RECENT_MAX_TEXT = 1024;
const recent = new Map<string, Credential>();

function credentialOf(authorization: string | undefined, apiKey: string | undefined): Credential | undefined {
  if (!authorization && !apiKey) return undefined;
  if ((authorization?.length ?? 0) + (apiKey?.length ?? 0) > RECENT_MAX_TEXT) return makeCredential(authorization, apiKey);
  // Length-prefixed: no pair of values can spell another pair's key.
  const memoKey = `${authorization?.length ?? -1}:${authorization ?? ''}${apiKey ?? ''}`;
  let credential = recent.get(memoKey);
  if (!credential) {
    credential = makeCredential(authorization, apiKey) as Credential;
    if (recent.size >= RECENT_LIMIT) recent.clear();
    recent.set(memoKey, credential);
  }
  return credential;
}

/**
 * The request's own `Authorization` / `x-api-key` win; the service key is used only when the
 * request brings neither. `undefined` means no credential at all.
 */
export function credentialFrom(headers: HeaderSource, serviceKey: Credential | undefined): Credential | undefined {
  const authorization = headers.get(AUTHORIZATION_HEADER) || undefined;
  const apiKey = headers.get(API_KEY_HEADER) || undefined;
  return credentialOf(authorization, apiKey) ?? serviceKey;
}
