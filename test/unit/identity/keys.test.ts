/**
 * identity/keys.ts on its own: the three identities every keyed structure of the server uses.
 * The credential id digests the exact header pair (data is keyed by it), the tenant id the
 * paying key with the Authorization scheme's case and spacing ignored (fairness and caps count
 * by it), and a call key is one call as fetched with one credential. What matters most is
 * that no two different inputs spell the same key, checked here as properties over arbitrary
 * header values and addresses. (How a request's headers become a credential, and the memo of
 * recent ones: test/unit/identity/credential.test.ts.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Credential, makeCredential } from '../../../src/identity/credential.js';
import { addressKeyOf, callKeyOf, credentialIdOf, tenantIdOf } from '../../../src/identity/keys.js';

const BASE64URL_SHA256 = /^[A-Za-z0-9_-]{43}$/;
const credentialOf = (authorization?: string, apiKey?: string) => makeCredential(authorization, apiKey) as Credential;

/** A header value as a request may send it, or no header at all. */
const headerValue = fc.option(fc.string({ minLength: 1, maxLength: 12 }), { nil: undefined });
/** A sid as callAddress.ts lets one through (no `\0`: the contract's `[A-Za-z0-9_-]`). */
const sid = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/);
/** A project id without control characters (callAddress.ts refuses them), `\0` included. */
const projectId = fc.string({ minLength: 1, maxLength: 8 }).filter((text) => !/\p{Cc}/u.test(text));

describe('the credential id: the exact header pair', () => {
  it('is a SHA-256 in base64url (never contains `\\0`), the same for the same pair', () => {
    const id = credentialIdOf('Bearer t', 'k');
    expect(id).toMatch(BASE64URL_SHA256);
    expect(credentialIdOf('Bearer t', 'k')).toBe(id);
    expect(credentialOf('Bearer t', 'k').id).toBe(id);
  });

  it('tells every difference apart: scheme case, spacing, which header holds a value', () => {
    // (Empty header values never get here: credentialFrom reads them as absent.)
    const ids = [
      credentialIdOf('Bearer t', undefined),
      credentialIdOf('bearer t', undefined),
      credentialIdOf('Bearer  t', undefined),
      credentialIdOf('Bearer t ', undefined),
      credentialIdOf(undefined, 'Bearer t'),
      credentialIdOf('Bearer t', 'k'),
      credentialIdOf(undefined, 'k'),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('no two different pairs give the same id', () => {
    fc.assert(
      fc.property(headerValue, headerValue, headerValue, headerValue, (auth1, key1, auth2, key2) => {
        fc.pre(auth1 !== auth2 || key1 !== key2);
        expect(credentialIdOf(auth1, key1)).not.toBe(credentialIdOf(auth2, key2));
      }),
      { numRuns: 200 },
    );
  });
});

describe('the tenant id: who pays', () => {
  it('with an api key, the key alone: any Authorization beside it (junk included) is the same tenant', () => {
    const tenant = tenantIdOf(undefined, 'k');
    expect(tenant).toMatch(BASE64URL_SHA256);
    expect(tenantIdOf('Bearer junk-1', 'k')).toBe(tenant);
    expect(tenantIdOf('whatever', 'k')).toBe(tenant);
    expect(tenantIdOf(undefined, 'k2')).not.toBe(tenant);
    expect(credentialOf('Bearer junk', 'k').tenantId).toBe(tenant);
  });

  it('without one, the Authorization value with its scheme\'s case and all spacing ignored, but not the token\'s case', () => {
    const tenant = tenantIdOf('Bearer token', undefined);
    for (const same of ['bearer token', 'BEARER token', '  Bearer \t token\n', 'Bearer   token ']) expect(tenantIdOf(same, undefined)).toBe(tenant);
    for (const other of ['Bearer Token', 'Bearer token2', 'Basic token', 'Bearertoken']) expect(tenantIdOf(other, undefined)).not.toBe(tenant);
  });

  it('an api key and an Authorization of the same text are two tenants', () => {
    expect(tenantIdOf(undefined, 'secret')).not.toBe(tenantIdOf('secret', undefined));
  });

  it('as properties: an api key makes the tenant whatever the Authorization; without one, only the scheme\'s case and the spacing are ignored', () => {
    fc.assert(
      fc.property(headerValue, headerValue, fc.string({ minLength: 1, maxLength: 12 }), (junk1, junk2, apiKey) => {
        expect(tenantIdOf(junk1, apiKey)).toBe(tenantIdOf(junk2, apiKey));
      }),
      { numRuns: 200 },
    );
    const scheme = fc.stringMatching(/^[A-Za-z]{1,8}$/);
    const token = fc.stringMatching(/^[!-~]{1,12}$/);
    const spacing = fc.stringMatching(/^[ \t]{1,3}$/);
    fc.assert(
      fc.property(scheme, token, spacing, spacing, (name, value, inside, around) => {
        const tenant = tenantIdOf(`${name} ${value}`, undefined);
        expect(tenantIdOf(`${around}${name.toUpperCase()}${inside}${value}${around}`, undefined)).toBe(tenant);
        if (value.toUpperCase() !== value) expect(tenantIdOf(`${name} ${value.toUpperCase()}`, undefined)).not.toBe(tenant);
      }),
      { numRuns: 200 },
    );
  });
});

describe('call keys and address keys', () => {
  it('a call key is `<credential id>\\0<projectId>\\0<sid>`, and carries the credential and the very address asked for', () => {
    const credential = credentialOf(undefined, 'k');
    const address = { projectId: 'p', sid: 'CA1' };
    const key = callKeyOf(credential, address);
    expect(key.id).toBe(`${credential.id}\u0000p\u0000CA1`);
    expect(key.credential).toBe(credential);
    // Tracing finds the batch a try belongs to by this object (tracing/operationTrace.ts).
    expect(key.address).toBe(address);
  });

  it('an address key is `<projectId>\\0<sid>`, whatever the credential', () => {
    expect(addressKeyOf({ projectId: 'p', sid: 'CA1' })).toBe('p\u0000CA1');
    expect(addressKeyOf({ projectId: 'p', sid: 'CA1' })).toBe(addressKeyOf({ sid: 'CA1', projectId: 'p' }));
  });

  it('no two (credential, projectId, sid) spell the same call key, nor two addresses the same address key', () => {
    const credentials = [credentialOf(undefined, 'k'), credentialOf('k'), credentialOf('Bearer t', 'k')];
    fc.assert(
      fc.property(fc.nat(2), projectId, sid, fc.nat(2), projectId, sid, (c1, p1, s1, c2, p2, s2) => {
        fc.pre(c1 !== c2 || p1 !== p2 || s1 !== s2);
        const first = callKeyOf(credentials[c1] as Credential, { projectId: p1, sid: s1 });
        const second = callKeyOf(credentials[c2] as Credential, { projectId: p2, sid: s2 });
        expect(first.id).not.toBe(second.id);
        if (p1 !== p2 || s1 !== s2) expect(addressKeyOf({ projectId: p1, sid: s1 })).not.toBe(addressKeyOf({ projectId: p2, sid: s2 }));
      }),
      { numRuns: 200 },
    );
  });
});
