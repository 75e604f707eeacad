/**
 * The sample Shifts subgraph of the Federating docs: serves `shifts.graphql` (beside this file)
 * with a few shifts, each linked to a call of the built-in simulator's demo project, so that
 * composed with this server in demo mode (`npm start`) behind a gateway,
 * `{ shifts(first: 2) { id call { sid status } } }` answers with the calls' statuses.
 *
 *   npx tsx examples/federation/shiftsSubgraph.ts     # http://localhost:4002/graphql (SHIFTS_PORT)
 *
 * Tests import `startShiftsSubgraph` (test/integration/federation/exampleFederation.test.ts).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { DEMO_PROJECT_ID, DEMO_SAMPLE_SIDS } from '../../src/simulator/index.js';

export const SHIFTS_SDL = readFileSync(new URL('./shifts.graphql', import.meta.url), 'utf8');

export interface Shift {
  id: string;
  callSid: string;
  projectId: string;
}

/** The sid of the simulator's demo call whose sample label starts with `label`. */
function demoSid(label: string): string {
  const sample = DEMO_SAMPLE_SIDS.find((entry) => entry.label.startsWith(label));
  if (!sample) throw new Error(`the simulator has no demo call "${label}…"`);
  return sample.sid;
}

/** Shifts referencing demo calls whose status never changes: COMPLETED, QUEUED, COMPLETED. */
export const DEMO_SHIFTS: readonly Shift[] = [
  { id: 'shift-1', callSid: demoSid('completed, MP3 recording'), projectId: DEMO_PROJECT_ID },
  { id: 'shift-2', callSid: demoSid('queued'), projectId: DEMO_PROJECT_ID },
  { id: 'shift-3', callSid: demoSid('completed, employee confirmed'), projectId: DEMO_PROJECT_ID },
];

export interface ShiftsSubgraph {
  url: string;
  close(): Promise<void>;
}

/** Starts the subgraph on `port` (0: any free port) of `host` (all interfaces when omitted). */
export async function startShiftsSubgraph(
  options: { port?: number; host?: string; shifts?: readonly Shift[] } = {},
): Promise<ShiftsSubgraph> {
  const { port = 4002, host, shifts = DEMO_SHIFTS } = options;
  const schema = buildSubgraphSchema({
    typeDefs: parse(SHIFTS_SDL),
    resolvers: {
      Query: { shifts: (_: unknown, { first }: { first: number }) => shifts.slice(0, Math.max(0, first)) },
      Shift: {
        // A reference to the Calls subgraph's entity: the gateway fetches the rest from it.
        call: (shift: Shift) => ({ __typename: 'Call', projectId: shift.projectId, sid: shift.callSid }),
      },
    },
  });
  const server: Server = createServer(createYoga({ schema, logging: false }));
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(port, host, ready);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host ?? 'localhost'}:${address.port}/graphql`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.SHIFTS_PORT ?? 4002);
  try {
    // Loopback only, like the web example: a sample is no service for the network.
    const subgraph = await startShiftsSubgraph({ port, host: '127.0.0.1' });
    console.log(`Shifts subgraph on ${subgraph.url}`);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void subgraph.close());
  } catch (error) {
    const busy = (error as { code?: string }).code === 'EADDRINUSE';
    console.error(busy ? `Port ${port} is already in use (SHIFTS_PORT)` : String(error));
    process.exit(1);
  }
}
