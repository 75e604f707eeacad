/**
 * Where a WebSocket connection's credential comes from (contract, "Transports for
 * subscriptions"): the `connection_init` payload (keys `x-api-key` or `Authorization`, any
 * case, at its top level or under `headers`), else the upgrade request's own headers; the
 * service key (`TALKSTACK_API_KEY`) is the context's fallback, as over HTTP.
 *
 * Browsers cannot set headers on a WebSocket upgrade, so clients (Apollo Client, urql,
 * gateways) put the key in the payload. The payload is checked strictly, as duplicated
 * credential headers are over HTTP: a credential key whose value is not a string, or the
 * same key given twice (two spellings, or top level and `headers`) with different values,
 * refuses the connection instead of guessing which one the client meant. Nothing here logs
 * or echoes a value.
 *
 * A value must also be one an HTTP request head could carry, since it is forwarded upstream
 * as a header: at most MAX_CREDENTIAL_VALUE_LENGTH characters (over HTTP the 16 KiB request
 * head bounds it; here only MAX_BODY_BYTES would), and only the characters of an HTTP field
 * value (tab, visible ASCII, space, Latin-1 `obs-text`: undici's own check). Anything else
 * (CR, LF, NUL, other controls, characters beyond Latin-1) would be refused by undici at every
 * upstream try, so it refuses the connection (4400) before anything runs.
 */
import type { IncomingMessage } from 'node:http';
import { API_KEY_HEADER, AUTHORIZATION_HEADER } from '../talkstack/wire.js';

/** What `credentialFrom` (identity/credential.ts) reads a credential from. */
export interface CredentialHeaders {
  get(name: string): string | null;
}

/** The connection must be refused (close code 4400); `reason` names the key, never its value. */
export interface InvalidCredential {
  readonly invalid: string;
}

/** Longest credential value taken from `connection_init`, in characters (a header's budget). */
export const MAX_CREDENTIAL_VALUE_LENGTH = 8192;

/** A character no HTTP field value may hold (the complement of undici's `isValidHeaderValue`). */
const NOT_A_FIELD_VALUE_CHARACTER = /[^\t\x20-\x7e\x80-\xff]/;

type CredentialKey = typeof AUTHORIZATION_HEADER | typeof API_KEY_HEADER;

/** The credential key a payload key spells (any case), if any: lengths first, as requestHead.ts does. */
function credentialKeyOf(key: string): CredentialKey | undefined {
  if (key.length === AUTHORIZATION_HEADER.length && key.toLowerCase() === AUTHORIZATION_HEADER) return AUTHORIZATION_HEADER;
  if (key.length === API_KEY_HEADER.length && key.toLowerCase() === API_KEY_HEADER) return API_KEY_HEADER;
  return undefined;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Adds the credential keys of `entries` to `found`, or says why the payload is refused. */
function collect(entries: Record<string, unknown>, found: Map<CredentialKey, string>): InvalidCredential | undefined {
  for (const key of Object.keys(entries)) {
    const credentialKey = credentialKeyOf(key);
    if (credentialKey === undefined) continue;
    const value = entries[key];
    if (typeof value !== 'string') return { invalid: `connection_init: "${credentialKey}" must be a string` };
    if (value.length > MAX_CREDENTIAL_VALUE_LENGTH) return { invalid: `connection_init: "${credentialKey}" is longer than ${MAX_CREDENTIAL_VALUE_LENGTH} characters` };
    if (NOT_A_FIELD_VALUE_CHARACTER.test(value)) return { invalid: `connection_init: "${credentialKey}" is not a valid HTTP header value` };
    const earlier = found.get(credentialKey);
    if (earlier !== undefined && earlier !== value) return { invalid: `connection_init: "${credentialKey}" is given more than once with different values` };
    found.set(credentialKey, value);
  }
  return undefined;
}

/** The upgrade request's own credential headers (their duplicates were refused before the upgrade). */
export function upgradeHeaders(request: IncomingMessage): CredentialHeaders {
  return {
    get(name) {
      const value = request.headers[name];
      return typeof value === 'string' ? value : null;
    },
  };
}

/**
 * The credential headers of a connection: from the `connection_init` payload when it carries
 * either key, else those of the upgrade request.
 */
export function connectionCredential(payload: unknown, request: IncomingMessage): CredentialHeaders | InvalidCredential {
  if (!isPlainObject(payload)) return upgradeHeaders(request);
  const found = new Map<CredentialKey, string>();
  const invalid = collect(payload, found) ?? (isPlainObject(payload['headers']) ? collect(payload['headers'], found) : undefined);
  if (invalid) return invalid;
  if (found.size === 0) return upgradeHeaders(request);
  return { get: (name) => found.get(name as CredentialKey) ?? null };
}

export const isInvalidCredential = (value: CredentialHeaders | InvalidCredential): value is InvalidCredential => 'invalid' in value;
