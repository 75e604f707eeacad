/**
 * What a request authenticates with upstream. Both headers are forwarded unchanged when
 * present; its two identities (`id`, `tenantId`) come from keys.ts, the one module every keyed
 * structure uses. No secret is kept in keys, logs or metrics (logs name a credential by a keyed
 * fingerprint of `id`, logging/logFingerprint.ts).
 */
import { API_KEY_HEADER, AUTHORIZATION_HEADER } from '../talkstack/wire.js';
import { credentialIdOf, headerPairText, tenantIdsOf } from './keys.js';

export interface Credential {
  readonly authorization?: string;
  readonly apiKey?: string;
  /** the credential id (keys.ts): digest of the exact header pair; what data is keyed by */
  readonly id: string;
  /** the tenant id (keys.ts): digest of the paying key; what fairness and per-tenant caps count by */
  readonly tenantId: string;
  /** every tenant it counts against (keys.ts): `tenantId`, and the Authorization's when both headers are sent */
  readonly tenantIds: readonly string[];
  /** the headers of an upstream call made with it (credential and content type), built once */
  readonly upstreamHeaders: Readonly<Record<string, string>>;
}

interface HeaderSource {
  get(name: string): string | null;
}

export function makeCredential(authorization: string | undefined, apiKey: string | undefined): Credential | undefined {
  if (!authorization && !apiKey) return undefined;
  const id = credentialIdOf(authorization, apiKey);
  const tenantIds = Object.freeze(tenantIdsOf(authorization, apiKey));
  const tenantId = tenantIds[0] as string;
  const upstreamHeaders: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization) upstreamHeaders[AUTHORIZATION_HEADER] = authorization;
  if (apiKey) upstreamHeaders[API_KEY_HEADER] = apiKey;
  return Object.freeze({ ...(authorization ? { authorization } : {}), ...(apiKey ? { apiKey } : {}), id, tenantId, tenantIds, upstreamHeaders });
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
  const memoKey = headerPairText(authorization, apiKey);
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
