/**
 * What a request authenticates with upstream. Both headers are forwarded unchanged when
 * present; `id` is a one-way digest of them, used wherever calls are keyed (loader, caches)
 * so data fetched with one credential is never served to another, and no secret is kept
 * in keys, logs or metrics.
 */
import { createHash } from 'node:crypto';
import { API_KEY_HEADER, AUTHORIZATION_HEADER } from './wire.js';

export interface Credential {
  readonly authorization?: string;
  readonly apiKey?: string;
  /** sha256 of both headers; safe to log and to use as a cache key part */
  readonly id: string;
}

interface HeaderSource {
  get(name: string): string | null;
}

export function makeCredential(authorization: string | undefined, apiKey: string | undefined): Credential | undefined {
  if (!authorization && !apiKey) return undefined;
  const id = createHash('sha256')
    .update(`${authorization ?? ''}\u0000${apiKey ?? ''}`)
    .digest('base64url');
  return { ...(authorization ? { authorization } : {}), ...(apiKey ? { apiKey } : {}), id };
}

/**
 * The request's own `Authorization` / `x-api-key` win; the service key is used only when the
 * request brings neither. `undefined` means no credential at all.
 */
export function credentialFrom(headers: HeaderSource, serviceKey: Credential | undefined): Credential | undefined {
  const authorization = headers.get(AUTHORIZATION_HEADER) || undefined;
  const apiKey = headers.get(API_KEY_HEADER) || undefined;
  return makeCredential(authorization, apiKey) ?? serviceKey;
}

/** Headers to send upstream for a credential. */
export function credentialHeaders(credential: Credential): Record<string, string> {
  const headers: Record<string, string> = {};
  if (credential.authorization) headers[AUTHORIZATION_HEADER] = credential.authorization;
  if (credential.apiKey) headers[API_KEY_HEADER] = credential.apiKey;
  return headers;
}
