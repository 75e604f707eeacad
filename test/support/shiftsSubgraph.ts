/**
 * A toy Shifts subgraph for federation tests: it owns `Shift { id callSid projectId }` and
 * links each shift to its `Call` by the Calls subgraph's entity key.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';

export interface Shift {
  id: string;
  callSid: string;
  projectId: string;
}

/** The sample Shifts subgraph's SDL (examples/federation/shifts.graphql): one source for the docs' example and the tests. */
export const SHIFTS_SDL = readFileSync(new URL('../../examples/federation/shifts.graphql', import.meta.url), 'utf8');

export interface ShiftsSubgraph {
  url: string;
  close(): Promise<void>;
}

export async function startShiftsSubgraph(shifts: readonly Shift[]): Promise<ShiftsSubgraph> {
  const schema = buildSubgraphSchema({
    typeDefs: parse(SHIFTS_SDL),
    resolvers: {
      Query: { shifts: (_: unknown, { first }: { first: number }) => shifts.slice(0, first) },
      Shift: {
        call: (shift: Shift) => ({ __typename: 'Call', projectId: shift.projectId, sid: shift.callSid }),
      },
    },
  });
  const yoga = createYoga({ schema, logging: false });
  const server: Server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
