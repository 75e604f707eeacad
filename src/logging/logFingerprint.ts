/**
 * How a log line names a credential: an HMAC-SHA256 of its digest under a secret drawn at
 * random when the server is created and never written anywhere. The plain digest
 * (`Credential.id`, a SHA-256 of the headers) would let anyone holding the logs confirm a
 * guessed key by hashing it; the keyed one cannot be recomputed without the secret, and it
 * changes with every start, so lines of one instance's life can be correlated, nothing more.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Credential } from '../identity/credential.js';

/** 16 base64url characters (96 bits): plenty to tell a process's tenants apart. */
const FINGERPRINT_CHARS = 16;

export type LogFingerprint = (credential: Credential) => string;

/** The same keyed fingerprint of an id (a tenant id: identity/keys.ts), for lines about something other than a credential. */
export function createIdFingerprint(): (id: string) => string {
  const secret = randomBytes(32);
  return (id) => createHmac('sha256', secret).update(id).digest('base64url').slice(0, FINGERPRINT_CHARS);
}

export function createLogFingerprint(): LogFingerprint {
  const fingerprintOf = createIdFingerprint();
  // Computed only when a line names the credential, then kept as long as the credential is.
  const known = new WeakMap<Credential, string>();
  return (credential) => {
    let fingerprint = known.get(credential);
    if (fingerprint === undefined) {
      fingerprint = fingerprintOf(credential.id);
      known.set(credential, fingerprint);
    }
    return fingerprint;
  };
}
