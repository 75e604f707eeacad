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

export function createLogFingerprint(): LogFingerprint {
  const secret = randomBytes(32);
  // Computed only when a line names the credential, then kept as long as the credential is.
  const known = new WeakMap<Credential, string>();
  return (credential) => {
    let fingerprint = known.get(credential);
    if (fingerprint === undefined) {
      fingerprint = createHmac('sha256', secret).update(credential.id).digest('base64url').slice(0, FINGERPRINT_CHARS);
      known.set(credential, fingerprint);
    }
    return fingerprint;
  };
}
