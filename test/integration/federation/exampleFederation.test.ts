/**
 * The federation example (examples/federation/README.md), end to end: this server against the
 * simulator's demo data, the sample Shifts subgraph (examples/federation/shiftsSubgraph.ts),
 * the supergraph exactly as `npm run compose` prints it from examples/federation/shifts.graphql,
 * and Hive Gateway's runtime configured with the example's gateway.config.ts. The
 * documented query gets the shifts with their calls' statuses, as the example's README shows.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayConfig } from '../../../examples/federation/gateway.config.js';
import { DEMO_SHIFTS, SHIFTS_SDL, startShiftsSubgraph, type ShiftsSubgraph } from '../../../examples/federation/shiftsSubgraph.js';
import { DEMO_API_KEY } from '../../../src/simulator/index.js';
import { GATEWAY_CONFIG_BLOCK } from '../../support/gateway.js';
import { killAll, ROOT, spawnNode, waitForExit } from '../../support/serverProcess.js';
import { SHIFTS_SDL as TEST_SHIFTS_SDL } from '../../support/shiftsSubgraph.js';
import { startStack, type Stack } from '../../support/stack.js';

const README = readFileSync(new URL('../../../examples/federation/README.md', import.meta.url), 'utf8');
const GATEWAY_CONFIG = readFileSync(new URL('../../../examples/federation/gateway.config.ts', import.meta.url), 'utf8');
const QUERY = '{ shifts(first: 2) { id call { sid status } } }';

/** The text of the README's first fenced block of `language` after `marker`. */
function readmeBlock(language: string, marker = ''): string {
  const from = README.indexOf(marker);
  expect(from, `examples/federation/README.md: "${marker}"`).toBeGreaterThanOrEqual(0);
  const block = new RegExp('```' + language + '\n([\\s\\S]*?)\n *```').exec(README.slice(from));
  expect(block, `examples/federation/README.md: a ${language} block after "${marker}"`).not.toBeNull();
  return block?.[1] ?? '';
}

describe('the federation example', () => {
  let stack: Stack;
  let shifts: ShiftsSubgraph;
  let gatewayServer: Server;
  let gatewayUrl: string;
  let dispose: () => Promise<void> = async () => {};

  beforeAll(async () => {
    // As `npm start` in demo mode: the demo key is the server's own, clients send none.
    [stack, shifts] = await Promise.all([
      startStack({ config: { talkstackApiKey: DEMO_API_KEY } }),
      startShiftsSubgraph({ port: 0, host: '127.0.0.1' }),
    ]);
    // `npm run -s compose -- --calls-url … --subgraph shifts=examples/federation/shifts.graphql@…`
    // run from the repository root (npm's INIT_CWD).
    const compose = spawnNode(
      ['--import', 'tsx', 'scripts/compose.ts', '--calls-url', `${stack.url}/graphql`, '--subgraph', `shifts=examples/federation/shifts.graphql@${shifts.url}`],
      { INIT_CWD: ROOT },
    );
    const { code } = await waitForExit(compose, 15_000);
    expect(code, compose.stderr()).toBe(0);
    const gateway = createGatewayRuntime({ ...gatewayConfig, supergraph: compose.stdout(), logging: false });
    dispose = async () => {
      await gateway.dispose();
    };
    gatewayServer = createServer(gateway);
    await new Promise<void>((resolve) => gatewayServer.listen(0, '127.0.0.1', resolve));
    gatewayUrl = `http://127.0.0.1:${(gatewayServer.address() as AddressInfo).port}/graphql`;
  });

  afterAll(async () => {
    killAll();
    if (gatewayServer) {
      await new Promise<void>((resolve) => {
        gatewayServer.close(() => resolve());
        gatewayServer.closeAllConnections();
      });
    }
    await dispose();
    await shifts?.close();
    await stack?.close();
  });

  it('answers the documented query with each shift and its call status, as the README shows', async () => {
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: QUERY }),
    });
    const body: unknown = await response.json();
    expect(response.status).toBe(200);
    expect(body).toEqual({
      data: {
        shifts: [
          { id: 'shift-1', call: { sid: DEMO_SHIFTS[0]?.callSid, status: 'COMPLETED' } },
          { id: 'shift-2', call: { sid: DEMO_SHIFTS[1]?.callSid, status: 'QUEUED' } },
        ],
      },
    });
    expect(readmeBlock('sh', '**Query the gateway.**')).toContain(QUERY);
    expect(JSON.parse(readmeBlock('json', '**Query the gateway.**'))).toEqual(body);
  });

  it("shows the Shifts SDL that the example serves and the tests' toy Shifts subgraph uses", () => {
    expect(TEST_SHIFTS_SDL).toBe(SHIFTS_SDL);
    expect(SHIFTS_SDL).toContain(readmeBlock('graphql'));
    // and docs/federation.md shows the same SDL
    const docs = readFileSync(new URL('../../../docs/federation.md', import.meta.url), 'utf8');
    const docsBlock = /Shifts subgraph \(`examples\/federation\/shifts.graphql`[\s\S]*?```graphql\n([\s\S]*?)\n```/.exec(docs)?.[1];
    expect(docsBlock, 'docs/federation.md: the Shifts SDL block').toBeDefined();
    expect(SHIFTS_SDL).toContain(docsBlock as string);
  });

  it("has the gateway.config.ts that the tests' gateways run with", () => {
    const config = /export const gatewayConfig = defineConfig\(\{[\s\S]*?\n\}\);\n/.exec(GATEWAY_CONFIG)?.[0];
    expect(config).toBeDefined();
    // the tests' gateways run docs/federation.md's block, evaluated from the page
    expect(GATEWAY_CONFIG_BLOCK.body).toContain(config);
  });
});
