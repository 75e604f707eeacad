/**
 * CORS_ORIGINS over real HTTP (http/cors.ts, in the Node layer before Yoga): only listed
 * origins get CORS headers, on /graphql, /health and SSE streams alike, and their preflight
 * allows exactly the contract's methods and headers; an unlisted origin, look-alikes
 * included, gets a 403 preflight and no CORS header at all; requests without Origin and
 * same-origin requests are unaffected; the CSRF header stays required. (CORS_ORIGINS' defaults:
 * unit/config/config.test.ts; the WebSocket upgrade's origin rule: unit/http/cors.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DASHBOARD_ORIGIN } from '../../../src/config/config.js';
import { DEMO_API_KEY, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { openSse } from '../../support/sse.js';
import { startStack, type Stack } from '../../support/stack.js';

const DASHBOARD = 'https://dash.example.com';
const QUERY = JSON.stringify({ query: '{ __typename }' });

const corsHeadersOf = (response: Response) =>
  Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('access-control-')));

function preflight(stack: Stack, origin: string | undefined, path = '/graphql'): Promise<Response> {
  return fetch(`${stack.url}${path}`, {
    method: 'OPTIONS',
    headers: {
      ...(origin === undefined ? {} : { origin }),
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, x-api-key',
    },
  });
}

function post(stack: Stack, origin: string | undefined): Promise<Response> {
  return fetch(`${stack.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': DEMO_API_KEY, ...(origin === undefined ? {} : { origin }) },
    body: QUERY,
  });
}

function expectAllowedPreflight(response: Response, origin: string) {
  expect(response.status).toBe(204);
  expect(response.headers.get('access-control-allow-origin')).toBe(origin);
  const methods = (response.headers.get('access-control-allow-methods') ?? '').split(/,\s*/);
  expect(methods.sort()).toEqual(['GET', 'OPTIONS', 'POST']);
  const headers = (response.headers.get('access-control-allow-headers') ?? '').split(/,\s*/);
  expect(headers.sort()).toEqual(['accept', 'authorization', 'content-type', 'traceparent', 'x-api-key', 'x-graphql-yoga-csrf']);
  expect(response.headers.get('vary')).toContain('Origin');
  // Credentials are headers, not cookies: nothing asks the browser to send cookies.
  expect(response.headers.get('access-control-allow-credentials')).toBeNull();
}

describe('CORS_ORIGINS over HTTP', () => {
  let stack: Stack;
  /** this server's own origin, as GraphiQL served by it sends it */
  let ownOrigin: string;

  beforeAll(async () => {
    stack = await startStack({ config: { corsOrigins: [DASHBOARD, DEMO_DASHBOARD_ORIGIN] } });
    ownOrigin = stack.url;
  });

  afterAll(async () => {
    await stack?.close();
  });

  it.each(['/graphql', '/health'])('a listed origin: the preflight of %s allows the methods and headers', async (path) => {
    expectAllowedPreflight(await preflight(stack, DASHBOARD, path), DASHBOARD);
    expectAllowedPreflight(await preflight(stack, DEMO_DASHBOARD_ORIGIN, path), DEMO_DASHBOARD_ORIGIN);
  });

  it('a listed origin: the request itself carries Access-Control-Allow-Origin for that origin', async () => {
    const response = await post(stack, DASHBOARD);
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(response.headers.get('vary')).toContain('Origin');
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });

    const health = await fetch(`${stack.url}/health`, { headers: { origin: DEMO_DASHBOARD_ORIGIN } });
    expect(health.status).toBe(200);
    expect(health.headers.get('access-control-allow-origin')).toBe(DEMO_DASHBOARD_ORIGIN);
  });

  it('a listed origin: an SSE subscription carries the header too', async () => {
    const sid = 'CAcors_sse';
    stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'busy', callSid: sid });
    const subscription = await openSse(stack.url, 'subscription ($sid: ID!) { callUpdates(sid: $sid) { status } }', { sid }, { 'x-api-key': DEMO_API_KEY, origin: DASHBOARD });
    expect(subscription.response.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect((await subscription.payload(0)).data).toEqual({ callUpdates: { status: 'BUSY' } });
    await subscription.end();
  });

  it.each([
    'https://evil.example.com',
    // look-alikes of listed origins
    'http://localhost:40011',
    'http://localhost:400',
    'http://evil.localhost:4001',
    'http://localhost:4001.evil.com',
    'https://localhost:4001',
    'http://localhost:4001/',
    'https://dash.example.com:443',
    'http://dash.example.com',
    'https://dash.example.co',
    'https://sub.dash.example.com',
    'null',
    '',
  ])('an unlisted origin %j: preflight 403 and no CORS headers at all', async (origin) => {
    const refused = await preflight(stack, origin);
    expect(refused.status).toBe(403);
    expect(corsHeadersOf(refused)).toEqual({});

    // The request itself is answered as usual (the browser keeps it from the page), headerless.
    const response = await post(stack, origin);
    expect(response.status).toBe(200);
    expect(corsHeadersOf(response)).toEqual({});
    await response.body?.cancel();
  });

  it('no Origin (servers, gateways, curl): unaffected, no CORS headers', async () => {
    const response = await post(stack, undefined);
    expect(response.status).toBe(200);
    expect(corsHeadersOf(response)).toEqual({});
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
    // An OPTIONS without Origin is not a preflight: 204, as before CORS_ORIGINS.
    const options = await preflight(stack, undefined);
    expect(options.status).toBe(204);
    expect(corsHeadersOf(options)).toEqual({});
  });

  it('same origin (GraphiQL served by this server): works, needs no CORS headers', async () => {
    const response = await post(stack, ownOrigin);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
    expect(corsHeadersOf(response)).toEqual({});
    // Browsers do not preflight their own origin; if something does, it is not refused.
    expect((await preflight(stack, ownOrigin)).status).toBe(204);
  });

  it('the CSRF header stays required for a listed origin’s GET', async () => {
    const url = `${stack.url}/graphql?query=${encodeURIComponent('{ __typename }')}`;
    const without = await fetch(url, { headers: { origin: DASHBOARD, accept: 'application/json' } });
    expect(without.status).toBe(403);
    await without.body?.cancel();
    const withHeader = await fetch(url, { headers: { origin: DASHBOARD, accept: 'application/json', 'x-graphql-yoga-csrf': '1' } });
    expect(withHeader.status).toBe(200);
    expect(withHeader.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    await withHeader.body?.cancel();
  });
});

describe('CORS_ORIGINS empty', () => {
  it('nothing listed: every cross-origin preflight is 403, and no answer varies by Origin', async () => {
    const stack = await startStack({ config: { corsOrigins: [] } });
    try {
      const refused = await preflight(stack, DEMO_DASHBOARD_ORIGIN);
      expect(refused.status).toBe(403);
      expect(corsHeadersOf(refused)).toEqual({});
      const response = await post(stack, DEMO_DASHBOARD_ORIGIN);
      expect(response.status).toBe(200);
      expect(corsHeadersOf(response)).toEqual({});
      expect(response.headers.get('vary')).toBeNull();
      await response.body?.cancel();
    } finally {
      await stack.close();
    }
  });
});
