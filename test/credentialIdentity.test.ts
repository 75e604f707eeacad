/**
 * A credential's two identities: `id` keys data (every header byte counts: nothing fetched
 * with one credential is answered to another), `tenant` is who pays upstream (the fair
 * scheduler's unit: one key is one tenant however the Authorization beside it varies); and
 * which credentials `credentialFrom` remembers (short ones only: no request can pin a large
 * string in memory).
 */
import { describe, expect, it } from 'vitest';
import { credentialFrom, makeCredential } from '../src/identity/credential.js';

const credential = (authorization?: string, apiKey?: string) => {
  const made = makeCredential(authorization, apiKey);
  if (!made) throw new Error('no credential');
  return made;
};

describe('credential identity', () => {
  it('one api key with different Authorization values: different ids, one tenant', () => {
    const a = credential('Bearer junk-1', 'key');
    const b = credential('Bearer junk-2', 'key');
    const plain = credential(undefined, 'key');
    expect(new Set([a.id, b.id, plain.id]).size).toBe(3);
    expect(new Set([a.tenantId, b.tenantId, plain.tenantId]).size).toBe(1);
  });

  it('an Authorization differing only in scheme case or spacing is one tenant, not one id', () => {
    const a = credential('Bearer token');
    const b = credential('bearer   token ');
    expect(a.id).not.toBe(b.id);
    expect(a.tenantId).toBe(b.tenantId);
    expect(credential('Bearer other').tenantId).not.toBe(a.tenantId);
  });

  it('no pair of header values can be confused with another pair', () => {
    expect(credential('ab', 'c').id).not.toBe(credential('a', 'bc').id);
    expect(credential('k').tenantId).not.toBe(credential(undefined, 'k').tenantId);
  });

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
