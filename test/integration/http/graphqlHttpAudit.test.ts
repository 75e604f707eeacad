/**
 * GraphQL over HTTP conformance: graphql-http's own server audits against this server over
 * loopback. No MUST (`error`) and no SHOULD (`warn`) fails, with the CSRF header on every request
 * (as clients send it for GETs) and without it. The documented departure, CSRF prevention (a GET
 * without a JSON content type must carry `x-graphql-yoga-csrf`), is tested in
 * unit/graphql/csrfPrevention.test.ts; the audits' GETs send a JSON content type.
 */
import { auditServer } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER } from '../../../src/graphql/yoga.js';
import { startStack, type Stack } from '../../support/stack.js';

describe('graphql-http server audits', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  const withHeader = (header: Record<string, string>) => (input: RequestInfo | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(header)) headers.set(name, value);
    return fetch(input, { ...init, headers });
  };

  it('no MUST and no SHOULD fails (GETs carry the CSRF header, as clients do)', async () => {
    const results = await auditServer({ url: `${stack.url}/graphql`, fetchFn: withHeader({ [CSRF_HEADER]: '1' }) });
    const failed = results.filter((result) => result.status === 'error' || result.status === 'warn');
    expect(failed.map((result) => `${result.status} ${result.name}: ${'reason' in result ? result.reason : ''}`)).toEqual([]);
    expect(results.filter((result) => result.status === 'ok').length).toBeGreaterThan(40);
  });

  it('and without the CSRF header too (the audit\'s GETs send a JSON content type, which needs no preflight-proof header)', async () => {
    const results = await auditServer({ url: `${stack.url}/graphql`, fetchFn: fetch });
    const failed = results.filter((result) => result.status === 'error' || result.status === 'warn');
    expect(failed.map((result) => `${result.status} ${result.name}`)).toEqual([]);
  });
});
