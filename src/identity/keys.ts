/**
 * The one module that names who asks and for what. Every per-credential, per-tenant and
 * per-call structure of the server (the fetch pipeline's layers, the loader, the pollers, the
 * subscription registry, the fair scheduler) keys by what this module builds, so two of them
 * can never disagree on what "the same call" or "the same tenant" is.
 *
 * Three identities, each a string that is safe to keep in memory but not to log (anyone could
 * hash a guessed key and compare; log lines use logging/logFingerprint.ts):
 * - the **credential id** (`Credential.id`): a digest of the exact header pair
 *   (`Authorization`, `x-api-key`). Data is keyed by it: nothing fetched with one pair is ever
 *   answered to another;
 * - the **tenant id** (`Credential.tenantId`): a digest of the paying key (the api key when
 *   there is one, else the Authorization value with its scheme's case and spacing ignored).
 *   Coarser on purpose: one key sent with a different junk Authorization each time is still one
 *   tenant for fairness and per-tenant caps. Never keys data;
 * - the **tenant ids** (`Credential.tenantIds`): one per credential value carried, the tenant
 *   id first; what the upstream governor paces and breaks by (a call waits for the strictest);
 * - the **call key** (`CallKey`): one call (projectId, sid) as fetched with one credential.
 *
 * A sid never contains `\u0000` (callAddress.ts) and ids are base64url, so no two pairs spell
 * the same key.
 */
import { createHash } from 'node:crypto';
import type { CallAddress } from '../calls/call.js';
import type { Credential } from './credential.js';

/** The exact header pair as one text, length-prefixed: no pair of values spells another pair. */
export const headerPairText = (authorization: string | undefined, apiKey: string | undefined): string =>
  `${authorization?.length ?? -1}:${authorization ?? ''}${apiKey ?? ''}`;

/** Digest of the exact header pair. */
export function credentialIdOf(authorization: string | undefined, apiKey: string | undefined): string {
  return createHash('sha256').update(headerPairText(authorization, apiKey)).digest('base64url');
}

const digest = (text: string): string => createHash('sha256').update(text).digest('base64url');
const authorizationPayer = (authorization: string): string => `a:${authorization.trim().replace(/\s+/g, ' ').replace(/^\S+/, (scheme) => scheme.toLowerCase())}`;

/** Digest of who pays upstream: the api key, else the normalised Authorization value. */
export function tenantIdOf(authorization: string | undefined, apiKey: string | undefined): string {
  return digest(apiKey ? `k:${apiKey}` : authorizationPayer(authorization ?? ''));
}

/**
 * Every tenant a request counts against (contract: "Tenants"): one per credential value it
 * carries, `tenantIdOf`'s first. A call waits for the strictest and counts against each, so
 * varying one header while keeping the other escapes nothing.
 */
export function tenantIdsOf(authorization: string | undefined, apiKey: string | undefined): readonly string[] {
  const primary = tenantIdOf(authorization, apiKey);
  return apiKey && authorization ? [primary, digest(authorizationPayer(authorization))] : [primary];
}

/** One call as fetched with one credential: what every layer of the fetch pipeline keys by. */
export interface CallKey {
  /** `<credential id>\0<projectId>\0<sid>`, made once per key */
  readonly id: string;
  readonly credential: Credential;
  /**
   * The address asked for. The same object travels down the whole pipeline to the client, so
   * tracing can find the batch a try belongs to by it (tracing/operationTrace.ts).
   */
  readonly address: CallAddress;
}

export function callKeyOf(credential: Credential, address: CallAddress): CallKey {
  return { id: `${credential.id}\u0000${address.projectId}\u0000${address.sid}`, credential, address };
}

/** A call within one credential's view (a loader, a subscription's list): `<projectId>\0<sid>`. */
export const addressKeyOf = ({ projectId, sid }: CallAddress): string => `${projectId}\u0000${sid}`;

/** Every key and channel this server writes to Redis starts with it, so a shared Redis can tell them apart. */
export const REDIS_KEY_PREFIX = 'talkstack:';

/**
 * `talkstack:call:<fingerprint>:<projectId>:<sid>`: a final call in the shared tier.
 * `fingerprint` names the credential (RedisConnection.keyFingerprint, an HMAC of its id), never
 * the credential itself.
 */
export const redisCallKeyOf = (fingerprint: string, { projectId, sid }: CallAddress): string =>
  `${REDIS_KEY_PREFIX}call:${fingerprint}:${encodeURIComponent(projectId)}:${sid}`;

/** `talkstack:poll:<fingerprint>:<hash of projectId and sid>`: one shared poll's lease and channel. */
export function redisPollKeyOf(fingerprint: string, address: CallAddress): string {
  const call = createHash('sha256').update(addressKeyOf(address)).digest('base64url').slice(0, 22);
  return `${REDIS_KEY_PREFIX}poll:${fingerprint}:${call}`;
}
