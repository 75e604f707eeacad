/**
 * Federation with real parts: this subgraph's committed SDL composed with a toy Shifts
 * subgraph, and a real gateway (Hive Gateway's runtime) resolving shifts → calls over HTTP.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_BEARER_TOKEN, DEMO_PROJECT_ID } from '../src/simulator/index.js';
import { countAliases, countTokens } from './support/documentSize.js';
import { compose, CALLS_SDL, type Gateway, startGateway } from './support/gateway.js';
import { SHIFTS_SDL, type Shift, startShiftsSubgraph, type ShiftsSubgraph } from './support/shiftsSubgraph.js';
import { startStack, type Stack } from './support/stack.js';

const DISTINCT_CALLS = 120;
const SHIFTS = 200;
const sidOf = (i: number) => `CAfed${String(i).padStart(4, '0')}`;
/** 200 shifts over 120 calls: shift i references call i mod 120. */
const shifts: Shift[] = Array.from({ length: SHIFTS }, (_, i) => ({
  id: `shift-${i}`,
  callSid: sidOf(i % DISTINCT_CALLS),
  projectId: DEMO_PROJECT_ID,
}));

interface ShiftsResponse {
  data?: { shifts: Array<{ id: string; callSid: string; call: { sid: string; status: string; durationSeconds: number | null } | null }> };
  errors?: Array<{ message: string; path?: (string | number)[]; extensions?: { code?: string } }>;
}

const SHIFTS_QUERY = `query ShiftsPage($first: Int!) {
  shifts(first: $first) {
    id
    callSid
    call { sid status durationSeconds }
  }
}`;

async function queryGateway(gateway: Gateway, headers: Record<string, string>, query = SHIFTS_QUERY, variables: Record<string, unknown> = { first: SHIFTS }) {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as ShiftsResponse };
}

describe('composition', () => {
  it('composes this subgraph with a Shifts subgraph that links to Call by key', () => {
    const result = compose([
      { name: 'calls', typeDefs: CALLS_SDL, url: 'http://127.0.0.1:1/graphql' },
      { name: 'shifts', typeDefs: SHIFTS_SDL, url: 'http://127.0.0.1:2/graphql' },
    ]);
    expect(result.errors ?? []).toEqual([]);
    const supergraph = result.supergraphSdl ?? '';
    expect(supergraph).toMatch(/@join__type\(graph: CALLS, key: "projectId sid"\)/);
    expect(supergraph).toMatch(/@join__type\(graph: SHIFTS, key: "projectId sid", resolvable: false\)/);
    const publicSdl = result.publicSdl ?? '';
    expect(publicSdl).toMatch(/type Shift \{[^}]*call: Call/);
    expect(publicSdl).toMatch(/calls\(sids: \[ID!\]!, projectId: ID\): \[Call\]!/);
    expect(publicSdl).toMatch(/callUpdates\(sid: ID!, projectId: ID\): Call!/);
  });
});

describe('npm run compose', () => {
  const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
  const dir = mkdtempSync(join(tmpdir(), 'compose-'));
  const compose = (sdl: string) => {
    const file = join(dir, `subgraph-${Math.random().toString(36).slice(2)}.graphql`);
    writeFileSync(file, sdl);
    return spawnSync(process.execPath, [tsxCli, 'scripts/compose.ts', '--subgraph', `shifts=${file}@http://127.0.0.1:4001/graphql`], {
      encoding: 'utf8',
      timeout: 30_000,
    });
  };

  it('prints the supergraph of schema/schema.graphql and the given subgraphs', () => {
    const result = compose(SHIFTS_SDL);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/join__Graph[\s\S]*CALLS @join__graph\(name: "calls"[\s\S]*SHIFTS @join__graph\(name: "shifts"/);
  });

  it('fails with the composition errors when the subgraphs conflict', () => {
    const result = compose(SHIFTS_SDL.replace('sid: ID!\n}', 'sid: ID!\n  status: Int\n}').replace(', resolvable: false', ''));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/"Call\.status" is incompatible across subgraphs/);
  });
});

describe('through a real gateway', () => {
  let stack: Stack;
  let shiftsSubgraph: ShiftsSubgraph;
  let gateway: Gateway;

  beforeAll(async () => {
    stack = await startStack();
    for (let i = 0; i < DISTINCT_CALLS; i++) {
      stack.sim.setCall(DEMO_PROJECT_ID, sidOf(i), { status: 'completed', seconds: i, cost: 0.01 });
    }
    shiftsSubgraph = await startShiftsSubgraph(shifts);
    gateway = await startGateway([
      { name: 'calls', typeDefs: CALLS_SDL, url: `${stack.url}/graphql` },
      { name: 'shifts', typeDefs: SHIFTS_SDL, url: shiftsSubgraph.url },
    ]);
  });
  afterAll(async () => {
    await gateway.close();
    await shiftsSubgraph.close();
    await stack.close();
  });
  beforeEach(() => {
    stack.sim.resetStats();
    stack.sim.clearFaults();
    gateway.subgraphRequests.length = 0;
  });

  it(`resolves ${SHIFTS} shifts over ${DISTINCT_CALLS} distinct calls with exactly ${DISTINCT_CALLS} upstream requests`, async () => {
    const { status, body } = await queryGateway(gateway, { 'x-api-key': DEMO_API_KEY });

    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.shifts).toHaveLength(SHIFTS);
    body.data?.shifts.forEach((shift, i) => {
      expect(shift.call).toEqual({ sid: sidOf(i % DISTINCT_CALLS), status: 'COMPLETED', durationSeconds: i % DISTINCT_CALLS });
    });
    expect(stack.sim.stats.requests).toBe(DISTINCT_CALLS);
    expect(stack.sim.stats.bySid.size).toBe(DISTINCT_CALLS);
    // The gateway sent the Calls subgraph one `_entities` request for the whole page.
    const toCalls = gateway.subgraphRequests.filter((r) => r.subgraph === 'calls');
    expect(toCalls).toHaveLength(1);
    expect(toCalls[0]?.query).toContain('_entities');
  });

  it('sends this subgraph requests within the default MAX_ALIASES (20) and MAX_TOKENS (2000)', async () => {
    const realistic = [
      SHIFTS_QUERY,
      `query ShiftsWithEverything($first: Int!) {
        shifts(first: $first) {
          id callSid projectId
          call {
            sid projectId status upstreamStatus isFinal from to phoneNumber date durationSeconds cost data
            recordings { url sid format }
            shift { partnerId shiftId assignmentId employeeGoesToWork cancellationReason newDate }
          }
        }
      }`,
      `query Mixed($first: Int!) {
        shifts(first: $first) { id call { status isFinal } }
        page: calls(sids: ["${sidOf(0)}", "${sidOf(1)}", "${sidOf(2)}"]) { sid status }
        one: call(sid: "${sidOf(3)}") { sid cost }
        other: call(sid: "${sidOf(4)}") { sid cost }
      }`,
    ];
    for (const query of realistic) {
      const { body } = await queryGateway(gateway, { 'x-api-key': DEMO_API_KEY }, query, { first: SHIFTS });
      expect(body.errors).toBeUndefined();
    }
    const toCalls = gateway.subgraphRequests.filter((r) => r.subgraph === 'calls');
    expect(toCalls.length).toBeGreaterThanOrEqual(realistic.length);
    const aliases = Math.max(...toCalls.map((r) => countAliases(r.query)));
    const tokens = Math.max(...toCalls.map((r) => countTokens(r.query)));
    console.info(`gateway → calls subgraph: at most ${aliases} aliases and ${tokens} tokens per request`);
    expect(aliases).toBeLessThanOrEqual(20);
    expect(tokens).toBeLessThanOrEqual(2000);
  });

  it('forwards the client credential: x-api-key and Authorization reach Talkstack unchanged', async () => {
    await queryGateway(gateway, { authorization: `Bearer ${DEMO_BEARER_TOKEN}` }, SHIFTS_QUERY, { first: 3 });
    expect(stack.sim.requestLog.map((entry) => entry.authorization)).toEqual([
      `Bearer ${DEMO_BEARER_TOKEN}`,
      `Bearer ${DEMO_BEARER_TOKEN}`,
      `Bearer ${DEMO_BEARER_TOKEN}`,
    ]);
    stack.sim.resetStats();
    await queryGateway(gateway, { 'x-api-key': DEMO_API_KEY }, SHIFTS_QUERY, { first: 2 });
    expect(stack.sim.requestLog.map((entry) => entry.apiKey)).toEqual([DEMO_API_KEY, DEMO_API_KEY]);
  });

  it('without a credential, each call field errors with UNAUTHENTICATED and nothing goes upstream', async () => {
    const { status, body } = await queryGateway(gateway, {}, SHIFTS_QUERY, { first: 3 });
    expect(status).toBe(200);
    expect(body.data?.shifts.map((shift) => shift.id)).toEqual(['shift-0', 'shift-1', 'shift-2']);
    expect(body.data?.shifts.every((shift) => shift.call === null)).toBe(true);
    expect(body.errors?.length).toBeGreaterThan(0);
    expect(new Set(body.errors?.map((error) => error.extensions?.code))).toEqual(new Set(['UNAUTHENTICATED']));
    expect(stack.sim.stats.requests).toBe(0);
  });

  it('errors stay per representation: one failing call does not fail the others', async () => {
    stack.sim.injectFault(sidOf(1), { type: 'status', status: 403 });
    stack.sim.deleteCall(DEMO_PROJECT_ID, sidOf(2));
    try {
      const { body } = await queryGateway(gateway, { 'x-api-key': DEMO_API_KEY }, SHIFTS_QUERY, { first: 4 });
      const calls = body.data?.shifts.map((shift) => shift.call?.sid ?? null);
      expect(calls).toEqual([sidOf(0), null, null, sidOf(3)]);
      // The gateway relocates a subgraph error onto the first field it asked of the entity.
      const forbidden = body.errors?.filter((error) => error.extensions?.code === 'FORBIDDEN') ?? [];
      expect(forbidden).toHaveLength(1);
      expect(forbidden[0]?.path?.slice(0, 3)).toEqual(['shifts', 1, 'call']);
      // The unknown call is null in `_entities` (see the next test); Hive Gateway, like Apollo
      // Router, then adds its own null-completion error for the non-null fields asked of it.
      expect(body.errors?.every((error) => error.path?.[1] === 1 || error.path?.[1] === 2)).toBe(true);
    } finally {
      stack.sim.setCall(DEMO_PROJECT_ID, sidOf(2), { status: 'completed', seconds: 2, cost: 0.01 });
    }
  });
});

describe('_entities on this subgraph', () => {
  it('batches, dedupes and keeps errors per representation; an unknown call is null without error', async () => {
    const stack = await startStack();
    try {
      stack.sim.setCall(DEMO_PROJECT_ID, 'CAent_ok', { status: 'voicemail' });
      stack.sim.injectFault('CAent_forbidden', { type: 'status', status: 403 });
      const representations = [
        { __typename: 'Call', projectId: DEMO_PROJECT_ID, sid: 'CAent_ok' },
        { __typename: 'Call', projectId: DEMO_PROJECT_ID, sid: 'CAent_forbidden' },
        { __typename: 'Call', projectId: DEMO_PROJECT_ID, sid: 'CAent_unknown' },
        { __typename: 'Call', projectId: DEMO_PROJECT_ID, sid: 'not a sid' },
        { __typename: 'Call', projectId: DEMO_PROJECT_ID, sid: 'CAent_ok' },
      ];
      const response = await stack.gql<{ _entities: Array<{ sid: string; status: string } | null> }>(
        `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Call { sid status } } }`,
        { representations },
      );
      expect(response.body.data?._entities).toEqual([
        { sid: 'CAent_ok', status: 'VOICEMAIL' },
        null,
        null,
        null,
        { sid: 'CAent_ok', status: 'VOICEMAIL' },
      ]);
      const errors = (response.body.errors ?? []).map((error) => [error.path, error.extensions?.code]);
      // Errors arrive in the order the calls settle; compare them by path.
      expect(errors.sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
        [['_entities', 1], 'FORBIDDEN'],
        [['_entities', 3], 'BAD_USER_INPUT'],
      ]);
      expect(stack.sim.stats.requests).toBe(3);
    } finally {
      await stack.close();
    }
  });
});

describe('MAX_CALLS_PER_REQUEST across _entities', () => {
  it('caps the distinct calls of an _entities batch; the excess gets TOO_MANY_CALLS and is not fetched', async () => {
    const stack = await startStack({ config: { maxCallsPerRequest: 100 } });
    const shiftsSubgraph = await startShiftsSubgraph(shifts);
    const gateway = await startGateway([
      { name: 'calls', typeDefs: CALLS_SDL, url: `${stack.url}/graphql` },
      { name: 'shifts', typeDefs: SHIFTS_SDL, url: shiftsSubgraph.url },
    ]);
    try {
      for (let i = 0; i < DISTINCT_CALLS; i++) stack.sim.setCall(DEMO_PROJECT_ID, sidOf(i), { status: 'busy' });
      const { body } = await queryGateway(gateway, { 'x-api-key': DEMO_API_KEY }, SHIFTS_QUERY, { first: DISTINCT_CALLS });
      expect(stack.sim.stats.requests).toBe(100);
      const resolved = body.data?.shifts.filter((shift) => shift.call !== null) ?? [];
      expect(resolved).toHaveLength(100);
      const codes = (body.errors ?? []).map((error) => error.extensions?.code);
      expect(codes).toHaveLength(20);
      expect(new Set(codes)).toEqual(new Set(['TOO_MANY_CALLS']));
    } finally {
      await gateway.close();
      await shiftsSubgraph.close();
      await stack.close();
    }
  });
});
