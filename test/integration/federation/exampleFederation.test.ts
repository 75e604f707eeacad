/**
 * The federation example (examples/federation/README.md), end to end, its steps read from the
 * page and run as it says (test/support/docShell.ts: the script npm would run; the ports the
 * page names become free loopback ports, the only change):
 * 1. `npm i -D @graphql-hive/gateway` is not run (it adds ~500 packages; tried by hand, see the
 *    README: 2.15.1);
 * 2. `npm start`: this server in demo mode;
 * 3. `npx tsx examples/federation/shiftsSubgraph.ts` (SHIFTS_PORT=0, its documented setting);
 * 4. `cd examples/federation` then the compose command, in that directory (npm's INIT_CWD), so
 *    the relative `shifts.graphql` is read from there; its `> supergraph.graphql` goes to a
 *    temp directory, not into the repository. The supergraph names this server at the default
 *    the page states (http://localhost:4000/graphql), then mapped to the real port;
 * 5. `npx hive-gateway supergraph supergraph.graphql --port 4003`: the CLI package is not
 *    installed (step 1), so Hive Gateway's runtime plays it, with what the CLI would load in
 *    that directory: ./gateway.config.ts and the supergraph of step 4;
 * 6. the curl command (the real curl when installed): the answer must be the page's JSON.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayConfig } from '../../../examples/federation/gateway.config.js';
import { SHIFTS_SDL } from '../../../examples/federation/shiftsSubgraph.js';
import { docBlockAfter, docBlocks, docPage } from '../../support/docBlocks.js';
import { PRINT_TIMEOUT_MS, printed, shellCommands, startShellCommand, type ShellCommand } from '../../support/docShell.js';
import { GATEWAY_CONFIG_BLOCK } from '../../support/gateway.js';
import { runCurl } from '../../support/readmeCurl.js';
import { BANNER_URL, killAll, ROOT, type Running, waitForExit } from '../../support/serverProcess.js';
import { SHIFTS_SDL as TEST_SHIFTS_SDL } from '../../support/shiftsSubgraph.js';

const PAGE = 'examples/federation/README.md';
const README = docPage(PAGE);
const GATEWAY_CONFIG = readFileSync(new URL('../../../examples/federation/gateway.config.ts', import.meta.url), 'utf8');

/** The text of the README's first fenced block of `language` after `marker`. */
const readmeBlock = (language: string, marker = ''): string => docBlockAfter(PAGE, marker, language).body.trimEnd();

describe('the federation example', () => {
  const steps = docBlocks(README).filter((block) => block.lang === 'sh').map((block) => shellCommands(block.body));
  let directory: string | undefined;
  /** `http://localhost:PORT` as the page writes it → the real loopback base URL. */
  const ports = new Map<string, string>();
  const local = (text: string) =>
    text.replace(/http:\/\/localhost:\d+/g, (url) => {
      const real = ports.get(url);
      if (real === undefined) throw new Error(`${PAGE} names ${url}, which no step of it started`);
      return real;
    });
  const started: Running[] = [];
  let gatewayServer: Server | undefined;
  let dispose: () => Promise<void> = async () => {};
  let answer: string;

  beforeAll(async () => {
    const [install, start, shifts, compose, gateway, curl] = steps;
    expect(steps).toHaveLength(6);
    expect(install?.map((command) => command.text)).toEqual(['npm i -D @graphql-hive/gateway']);

    directory = mkdtempSync(join(tmpdir(), 'federation-example-'));

    // 2 and 3, side by side.
    const server = startShellCommand(start?.[0] as ShellCommand);
    started.push(server);
    const subgraph = startShellCommand(shifts?.[0] as ShellCommand, { env: { SHIFTS_PORT: '0' } });
    started.push(subgraph);
    const [serverUrl, shiftsUrl] = await Promise.all([
      printed(server, BANNER_URL, 'the server banner'),
      printed(subgraph, /Shifts subgraph on (http:\/\/127\.0\.0\.1:\d+)\/graphql/, 'the Shifts subgraph line'),
    ]);
    ports.set('http://localhost:4000', serverUrl);
    ports.set('http://localhost:4002', shiftsUrl);

    // 4: `cd examples/federation`, then compose there.
    const [cd, composeCommand] = compose ?? [];
    expect(cd?.words).toEqual(['cd', 'examples/federation']);
    const cwd = join(ROOT, 'examples/federation');
    expect(composeCommand?.stdoutTo).toBe('supergraph.graphql');
    // npm's `-s`: without it npm's own banner would go into the file too.
    expect(composeCommand?.words.slice(0, 3)).toEqual(['npm', 'run', '-s']);
    const composing = startShellCommand({ ...(composeCommand as ShellCommand), words: (composeCommand?.words ?? []).map(local) }, { cwd });
    started.push(composing);
    expect((await waitForExit(composing, PRINT_TIMEOUT_MS)).code, composing.stderr()).toBe(0);
    const supergraph = composing.stdout();
    expect(supergraph).toContain('url: "http://localhost:4000/graphql"');
    writeFileSync(join(directory, composeCommand?.stdoutTo ?? ''), local(supergraph));

    // 5: what `npx hive-gateway supergraph supergraph.graphql --port 4003` loads, in the runtime.
    const gatewayWords = gateway?.[0]?.words ?? [];
    expect(gatewayWords.slice(0, 4)).toEqual(['npx', 'hive-gateway', 'supergraph', composeCommand?.stdoutTo]);
    const gatewayPort = gatewayWords[gatewayWords.indexOf('--port') + 1];
    const runtime = createGatewayRuntime({ ...gatewayConfig, supergraph: readFileSync(join(directory, 'supergraph.graphql'), 'utf8'), logging: false });
    dispose = async () => {
      await runtime.dispose();
    };
    gatewayServer = createServer(runtime);
    const listening = gatewayServer;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    ports.set(`http://localhost:${gatewayPort}`, `http://127.0.0.1:${(listening.address() as AddressInfo).port}`);

    // 6: the curl, as a shell runs it when curl is here.
    const command = local(curl?.[0]?.text ?? '');
    answer = await runCurl(command);
  }, 2 * PRINT_TIMEOUT_MS + 30_000);

  afterAll(async () => {
    await Promise.all(started.map((running) => running.stop()));
    killAll();
    if (gatewayServer) {
      const server = gatewayServer;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    await dispose();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('answers the documented query with each shift and its call status, as the README shows', () => {
    expect(JSON.parse(answer)).toEqual(JSON.parse(readmeBlock('json', '**Query the gateway.**')));
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
