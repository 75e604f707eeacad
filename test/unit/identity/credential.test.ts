/**
 * How a request's headers become a credential (identity/credential.ts), on its own: the headers
 * it sends upstream (both forwarded unchanged, with the JSON content type), and which
 * credentials `credentialFrom` remembers (short ones only: no request can pin a large string in
 * memory). (Its identities, `id` and `tenantId`: test/unit/identity/keys.test.ts; what reaches
 * upstream over HTTP: test/integration/identity/credentials.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { credentialFrom, makeCredential } from '../../../src/identity/credential.js';

const credential = (authorization?: string, apiKey?: string) => {
  const made = makeCredential(authorization, apiKey);
  if (!made) throw new Error('no credential');
  return made;
};

describe('makeCredential', () => {
  it('forwards both headers unchanged, with the JSON content type', () => {
    expect(credential('Bearer  T', 'K').upstreamHeaders).toEqual({ 'content-type': 'application/json', authorization: 'Bearer  T', 'x-api-key': 'K' });
  });
});

describe('credentialFrom', () => {
  const headers = (apiKey: string, authorization?: string) => ({
    get: (name: string) => (name === 'x-api-key' ? apiKey : name === 'authorization' ? (authorization ?? null) : null),
  });

  it('remembers a short credential: the same headers give the same object', () => {
    const first = credentialFrom(headers('short-key', 'Bearer t'), undefined);
    expect(credentialFrom(headers('short-key', 'Bearer t'), undefined)).toBe(first);
  });

  it('does not remember one whose header text is over 1 KiB, though it is the same credential', () => {
    const long = `k-${'x'.repeat(1024)}`;
    const first = credentialFrom(headers(long), undefined);
    const again = credentialFrom(headers(long), undefined);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    const split = credentialFrom(headers('k', `Bearer ${'y'.repeat(1024)}`), undefined);
    expect(credentialFrom(headers('k', `Bearer ${'y'.repeat(1024)}`), undefined)).not.toBe(split);
  });
});
