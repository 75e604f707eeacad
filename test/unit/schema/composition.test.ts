/**
 * Federation 2 composition in process: this subgraph's committed SDL composes with a toy
 * Shifts subgraph that links to Call by its key, and the supergraph exposes the API as the
 * contract says. (`npm run compose`, the command: integration/federation/compose.test.ts; a
 * real gateway: integration/federation/gateway.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { CALLS_SDL, compose } from '../../support/gateway.js';
import { SHIFTS_SDL } from '../../support/shiftsSubgraph.js';

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
