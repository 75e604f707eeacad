/**
 * What answers say about failures, over real HTTP against the simulator's faults (contract:
 * "internal errors are masked"; "No error message or log line ever contains a credential"):
 * in one operation every upstream fault gets its own code on its own field while good fields
 * resolve, all within bounded time; and no response body, error message or log line ever
 * contains the credential, whatever failed. (The masking function:
 * unit/graphql/errorMasking.test.ts; what escapes Yoga or the Node layer:
 * integration/http/lastResort.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_CALLS, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { startStack, type Stack } from '../../support/stack.js';

const first = DEMO_CALLS[0]?.sid as string;

async function post(stack: Stack, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': DEMO_API_KEY, ...headers },
    body,
  });
  return { status: response.status, text: await response.text() };
}

describe('upstream faults, one operation', () => {
  it('each fault gets its code on its own field, good fields resolve, within bounded time', async () => {
    const timeoutMs = 200;
    const retries = 1;
    const stack = await startStack({ config: { upstreamTimeoutMs: timeoutMs, upstreamRetries: retries } });
    try {
      const { sim } = stack;
      const faults = {
        always500: { type: 'status', status: 500 },
        // announcing its quota, so the tenant is paced to it rather than to a rate learned from nothing
        rateLimited: { type: 'status', status: 429, headers: { 'retry-after': '0', 'ratelimit-policy': '1000;w=1' } },
        hang: { type: 'hang' },
        notJson: { type: 'raw', body: '<html>oops</html>', contentType: 'text/html' },
        notObject: { type: 'raw', body: '[1,2]' },
        reset: { type: 'reset' },
      } as const;
      for (const [sid, fault] of Object.entries(faults)) sim.injectFault(sid, fault);
      sim.injectFault('once503', { type: 'status', status: 503, times: 1 });
      sim.setCall(DEMO_PROJECT_ID, 'once503', { status: 'completed' });
      sim.setCall(DEMO_PROJECT_ID, 'oddStatus', { status: 'on-hold' });
      sim.setCall(DEMO_PROJECT_ID, 'wrongTypes', { status: 'busy', seconds: 'ten', cost: {}, from: 12, recordingUrls: 'x', data: 'y' });

      const names = [...Object.keys(faults), 'once503', 'oddStatus', 'wrongTypes', first];
      const query = `{ ${names.map((sid, i) => `f${i}: call(sid: "${sid}") { sid status durationSeconds cost from recordings { url } data }`).join(' ')} }`;
      const started = Date.now();
      const response = await stack.gql<Record<string, { status: string } | null>>(query);
      const elapsed = Date.now() - started;

      const codeAt = (i: number) => response.body.errors?.find((error) => error.path?.[0] === `f${i}`)?.extensions?.code;
      expect([0, 1, 2, 3, 4, 5].map(codeAt)).toEqual([
        'UPSTREAM_ERROR',
        'RATE_LIMITED',
        'UPSTREAM_TIMEOUT',
        'UPSTREAM_BAD_RESPONSE',
        'UPSTREAM_BAD_RESPONSE',
        'UPSTREAM_ERROR',
      ]);
      expect(response.body.data?.['f6']).toMatchObject({ status: 'COMPLETED' });
      expect(response.body.data?.['f7']).toMatchObject({ status: 'UNKNOWN' });
      expect(response.body.data?.['f8']).toEqual({ sid: 'wrongTypes', status: 'BUSY', durationSeconds: null, cost: null, from: null, recordings: [], data: {} });
      expect(response.body.data?.['f9']).toMatchObject({ sid: first, status: 'COMPLETED' });
      // Tries: retried faults twice, 4xx-free bad bodies once.
      expect(sim.stats.bySid.get('always500')).toBe(1 + retries);
      expect(sim.stats.bySid.get('hang')).toBe(1 + retries);
      expect(sim.stats.bySid.get('notJson')).toBe(1);
      // Bounded: UPSTREAM_TIMEOUT_MS × tries + backoff (100 ms), with slack for a shared machine.
      expect(elapsed).toBeLessThan(timeoutMs * (1 + retries) + 100 + 1500);
    } finally {
      await stack.close();
    }
  });
});

describe('credential safety', () => {
  const SENTINEL = 'SENTINEL-9f1c2e7a-KEY';

  it('no response body, error message or log line ever contains the credential', async () => {
    const stack = await startStack({ defaultHeaders: { 'x-api-key': SENTINEL } });
    try {
      const { sim } = stack;
      sim.addAccount('sentinel', { apiKeys: [SENTINEL], seedDemo: true });
      sim.injectFault('f500', { type: 'status', status: 500 });
      // Its quota announced: the tenant is paced to it, not to a rate learned from nothing.
      sim.injectFault('f429', { type: 'status', status: 429, headers: { 'retry-after': '0', 'ratelimit-policy': '1000;w=1' } });
      sim.injectFault('f403', { type: 'status', status: 403, body: { error: `forbidden for ${SENTINEL}` } });
      sim.injectFault('fbad', { type: 'raw', body: `not json ${SENTINEL}` });
      sim.injectFault('freset', { type: 'reset' });
      const bodies: string[] = [];
      const query = `{ a: call(sid: "f500") { sid } b: call(sid: "f429") { sid } c: call(sid: "f403") { sid } d: call(sid: "fbad") { sid } e: call(sid: "freset") { sid } f: call(sid: "${first}") { sid } g: call(sid: "bad sid") { sid } }`;
      bodies.push(JSON.stringify((await stack.gql(query)).body));
      bodies.push(JSON.stringify((await stack.gql(query, undefined, { authorization: `Bearer ${SENTINEL}` })).body));
      bodies.push((await post(stack, '{"query": "{ call(', { 'x-api-key': SENTINEL })).text);
      bodies.push((await post(stack, JSON.stringify({ query: '{ nope }' }), { 'x-api-key': SENTINEL })).text);
      // An unknown key (upstream 401)
      bodies.push(JSON.stringify((await stack.gql(`{ call(sid: "${first}") { sid } }`, undefined, { 'x-api-key': `${SENTINEL}-unknown` })).body));

      for (const body of bodies) expect(body).not.toContain(SENTINEL);
      // Logging happened (upstream failures are logged for operators), without the key.
      expect(stack.logs.some((line) => line.includes('"code":"UPSTREAM_ERROR"'))).toBe(true);
      for (const line of stack.logs) expect(line).not.toContain(SENTINEL);
    } finally {
      await stack.close();
    }
  });
});
