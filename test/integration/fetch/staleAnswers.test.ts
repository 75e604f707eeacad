/**
 * Stale if error (fetch/staleAnswers.ts, graphql/staleExtensions.ts) over real HTTP: calls
 * loaded while Talkstack is healthy are answered as last seen when it fails, with their older
 * `fetchedAt` and no error, each listed in `extensions.stale` with its path and the code it
 * stands in for; for `calls`, `call`, `_entities` and `@stream`. Unknown calls and credential
 * refusals are never answered stale, nor anything older than STALE_IF_ERROR_SECONDS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { sseMessages } from '../../support/sse.js';
import { codesOf, startStack, type Stack } from '../../support/stack.js';

const FIELDS = 'sid status fetchedAt';
type Row = { sid: string; status: string; fetchedAt: string } | null;

let fresh = 0;
/** Live calls (never answered fresh from the store): only a stale answer can stand in for them. */
function liveCalls(stack: Stack, count: number): string[] {
  return Array.from({ length: count }, () => {
    const sid = `CAstale${++fresh}`;
    stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'in-progress' });
    return sid;
  });
}

describe('stale answers', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { upstreamRetries: 0 } });
  });
  afterAll(() => stack?.close());

  /** Loads `sids` while healthy, then runs `during` with every one of them failing with a 503. */
  async function duringOutage<T>(sids: readonly string[], during: () => Promise<T>): Promise<{ healthy: Row[]; result: T }> {
    const healthy = await stack.gql<{ calls: Row[] }>(`query H($sids: [ID!]!) { calls(sids: $sids) { ${FIELDS} } }`, { sids });
    expect(healthy.body.errors).toBeUndefined();
    const faults = sids.map((sid) => stack.sim.injectFault(sid, { type: 'status', status: 503 }));
    try {
      return { healthy: healthy.body.data?.calls ?? [], result: await during() };
    } finally {
      for (const fault of faults) fault.remove();
    }
  }

  it('calls: every row answered as last seen, listed in extensions.stale with its path and code', async () => {
    const sids = liveCalls(stack, 5);
    const { healthy, result } = await duringOutage(sids, () => stack.gql<{ calls: Row[] }>(`query P($sids: [ID!]!) { calls(sids: $sids) { ${FIELDS} } }`, { sids }));
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data?.calls).toEqual(healthy);
    const stale = (result.body as { extensions?: { stale?: unknown[] } }).extensions?.stale;
    expect(stale).toEqual(sids.map((_, i) => ({ path: ['calls', i], code: 'UPSTREAM_ERROR' })));
    // Whole again: fresh answers, no stale list.
    const after = await stack.gql<{ calls: Row[] }>(`query P($sids: [ID!]!) { calls(sids: $sids) { ${FIELDS} } }`, { sids });
    expect((after.body as { extensions?: unknown }).extensions).toBeUndefined();
    expect(after.body.data?.calls?.[0]?.fetchedAt).not.toBe(healthy[0]?.fetchedAt);
    expect(stack.server.stats().fetch.stale.answered).toBeGreaterThanOrEqual(5);
  });

  it('call and aliases: each path of its own', async () => {
    const [a, b] = liveCalls(stack, 2);
    const { result } = await duringOutage([a as string, b as string], () =>
      stack.gql(`{ one: call(sid: "${a}") { ${FIELDS} } two: call(sid: "${b}") { sid } also: call(sid: "${a}") { sid } }`),
    );
    expect(result.body.errors).toBeUndefined();
    const stale = (result.body as { extensions?: { stale?: { path: unknown[] }[] } }).extensions?.stale ?? [];
    expect(stale.map((entry) => entry.path).sort()).toEqual([['also'], ['one'], ['two']].sort());
  });

  it('_entities: the entry index in the path', async () => {
    const sids = liveCalls(stack, 3);
    const { result } = await duringOutage(sids, () =>
      stack.gql(`query E($r: [_Any!]!) { _entities(representations: $r) { ... on Call { ${FIELDS} } } }`, {
        r: sids.map((sid) => ({ __typename: 'Call', projectId: DEMO_PROJECT_ID, sid })),
      }),
    );
    expect(result.body.errors).toBeUndefined();
    const stale = (result.body as { extensions?: { stale?: unknown[] } }).extensions?.stale;
    expect(stale).toEqual(sids.map((_, i) => ({ path: ['_entities', i], code: 'UPSTREAM_ERROR' })));
  });

  it('@stream: each stale item listed with the payload that carries it', async () => {
    const sids = liveCalls(stack, 4);
    const { result: payloads } = await duringOutage(sids, async () => {
      const response = await fetch(`${stack.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-api-key': DEMO_API_KEY },
        body: JSON.stringify({ query: `query S($sids: [ID!]!) { calls(sids: $sids) @stream(initialCount: 1) { ${FIELDS} } }`, variables: { sids } }),
        signal: AbortSignal.timeout(10_000),
      });
      const parts: { extensions?: { stale?: { path: unknown[] }[] }; errors?: unknown }[] = [];
      for await (const message of sseMessages(response.body as NonNullable<Response['body']>)) if (message.event === 'next') parts.push(JSON.parse(message.data) as (typeof parts)[number]);
      return parts;
    });
    const listed = payloads.flatMap((part) => part.extensions?.stale ?? []).map((entry) => entry.path);
    expect(listed.sort()).toEqual(sids.map((_, i) => ['calls', i]).sort());
    expect(payloads.every((part) => part.errors === undefined)).toBe(true);
  });

  it('@defer: a stale call inside a deferred fragment is listed with the payload that carries it', async () => {
    const [sid] = liveCalls(stack, 1);
    const { result: payloads } = await duringOutage([sid as string], async () => {
      const response = await fetch(`${stack.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-api-key': DEMO_API_KEY },
        body: JSON.stringify({ query: `query D($sid: ID!) { ... @defer { late: call(sid: $sid) { ${FIELDS} } } }`, variables: { sid } }),
        signal: AbortSignal.timeout(10_000),
      });
      const parts: { extensions?: { stale?: { path: unknown[]; code: string }[] }; errors?: unknown; incremental?: unknown[] }[] = [];
      for await (const message of sseMessages(response.body as NonNullable<Response['body']>)) if (message.event === 'next') parts.push(JSON.parse(message.data) as (typeof parts)[number]);
      return parts;
    });
    expect(payloads.length).toBeGreaterThanOrEqual(2);
    expect(payloads[0]?.extensions).toBeUndefined();
    const listed = payloads.flatMap((part) => part.extensions?.stale ?? []);
    expect(listed).toEqual([{ path: ['late'], code: 'UPSTREAM_ERROR' }]);
  });

  it('never for an unknown call or a credential refusal: those are answers', async () => {
    const [held] = liveCalls(stack, 1);
    await stack.gql(`{ call(sid: "${held}") { sid } }`);
    const refusal = stack.sim.injectFault(held as string, { type: 'status', status: 401 });
    try {
      const response = await stack.gql(`{ call(sid: "${held}") { sid } }`);
      expect(codesOf(response)).toEqual(['UNAUTHENTICATED']);
      expect((response.body as { extensions?: unknown }).extensions).toBeUndefined();
    } finally {
      refusal.remove();
    }
    const gone = stack.sim.injectFault(held as string, { type: 'status', status: 404 });
    try {
      const response = await stack.gql(`{ call(sid: "${held}") { sid } }`);
      expect(response.body.data).toEqual({ call: null });
      expect(response.body.errors).toBeUndefined();
    } finally {
      gone.remove();
    }
  });
});

describe('STALE_IF_ERROR_SECONDS', () => {
  it('past it, the failure is answered as it is', async () => {
    const stack = await startStack({ config: { upstreamRetries: 0, staleIfErrorSeconds: 1 } });
    try {
      const [sid] = liveCalls(stack, 1);
      expect((await stack.gql(`{ call(sid: "${sid}") { sid } }`)).body.errors).toBeUndefined();
      stack.sim.injectFault(sid as string, { type: 'status', status: 503 });
      expect(codesOf(await stack.gql(`{ call(sid: "${sid}") { sid } }`))).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(codesOf(await stack.gql(`{ call(sid: "${sid}") { sid } }`))).toEqual(['UPSTREAM_ERROR']);
    } finally {
      await stack.close();
    }
  });
});

describe('the fast path for settled answers', () => {
  it('never keeps a response with a stale entry: each repeat during the outage is answered stale again, and listed', async () => {
    const stack = await startStack({ config: { upstreamRetries: 0, cacheTtlSeconds: 1 } });
    try {
      const sid = 'CAstaleFastPath';
      stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'busy' });
      const query = `{ call(sid: "${sid}") { sid status } }`;
      // settled: the third identical request would be answered from the fast path
      for (let i = 0; i < 3; i++) expect((await stack.gql(query)).body.errors).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 1100));
      stack.sim.injectFault(sid, { type: 'status', status: 503 });
      for (let i = 0; i < 3; i++) {
        const response = await stack.gql(query);
        expect(response.body.data).toEqual({ call: { sid, status: 'BUSY' } });
        expect((response.body as { extensions?: unknown }).extensions).toEqual({ stale: [{ path: ['call'], code: 'UPSTREAM_ERROR' }] });
      }
    } finally {
      await stack.close();
    }
  });
});
