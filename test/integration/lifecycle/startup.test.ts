/**
 * Start-up of the compiled server (`node dist/src/main.js`) as a child process (contract:
 * "Start-up"): what a newcomer sees for a busy port (one line naming PORT) or invalid settings
 * (every one reported at once, one line each, a tampered trusted-documents manifest among
 * them), exit 1 and no stack trace; the banner shows the upstream without the user info of
 * its URL and, with PERSISTED_OPERATIONS_ONLY, the manifest it serves, documents by hash only.
 * README.md's "Against real Talkstack" command, read from the page (test/support/docShell.ts),
 * with TALKSTACK_API_URL pointed at a simulator that knows the page's key and has a call in
 * its project: a client sending neither gets the call, and the simulator saw that key and
 * project. The processes are started together, each test reads its own. (Settings and manifest checks
 * in process: test/unit/config; demo mode's start: integration/demo/demoMode.test.ts.)
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STACK_OR_PATH } from '../../support/rawHttp.js';
import { DEMO_PROJECT_ID, DEMO_SAMPLE_SIDS, startSimulator, type Simulator } from '../../../src/simulator/index.js';
import { docBlockAfter } from '../../support/docBlocks.js';
import { shellCommands, startShellCommand, type ShellCommand } from '../../support/docShell.js';
import { SHARED_START_TIMEOUT_MS, waitForSharedStart } from '../../support/processStarts.js';
import { killAll, type Running, startServer, waitFor, waitForExit } from '../../support/serverProcess.js';

const CALL = 'query Call($sid: ID!) { call(sid: $sid) { sid status } }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const directory = mkdtempSync(join(tmpdir(), 'startup-'));
const writeManifest = (name: string, entries: Record<string, string>) => {
  const file = join(directory, name);
  writeFileSync(file, JSON.stringify(entries));
  return file;
};

/** one process per test below, started together (each start is most of a test's time) */
let busyPort: { running: Running; port: number };
let invalidSettings: Running;
let bannered: { running: Running; manifest: string };
const blocker = createNetServer();

/** README.md "Against real Talkstack": its one command. */
const realTalkstack = shellCommands(docBlockAfter('README.md', 'Against real Talkstack', 'sh').body);
/** A sample sid, stored in the simulator under the project of that command too. */
const SAMPLE = DEMO_SAMPLE_SIDS[0]?.sid ?? '';
let simulator: Simulator;
let readmeServer: Running;

beforeAll(async () => {
  expect(realTalkstack).toHaveLength(1);
  const { TALKSTACK_API_KEY: key = '', TALKSTACK_PROJECT_ID: project = '' } = realTalkstack[0]?.env ?? {};
  // An account of the simulator with the page's key, and one call in the page's project.
  simulator = await startSimulator({ seedDemo: true });
  simulator.addAccount('yours', { apiKeys: [key] });
  simulator.setCall(project, SAMPLE, simulator.getCall(DEMO_PROJECT_ID, SAMPLE), 'yours');
  readmeServer = startShellCommand(realTalkstack[0] as ShellCommand, { env: { TALKSTACK_API_URL: simulator.url } });

  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address() as AddressInfo;
  busyPort = { running: startServer({ PORT: String(port), TALKSTACK_DEMO: '0', TALKSTACK_API_URL: 'http://127.0.0.1:9', TALKSTACK_API_KEY: 'k' }), port };
  invalidSettings = startServer({
    PORT: 'abc',
    UPSTREAM_RETRIES: '99',
    LOG_LEVEL: 'loud',
    SHUTDOWN_GRACE_MS: '-1',
    PERSISTED_OPERATIONS_ONLY: 'true',
    PERSISTED_DOCUMENTS_FILE: writeManifest('tampered.json', { [`sha256:${sha256(CALL)}`]: CALL.replace('status', 'cost') }),
  });
  const manifest = writeManifest('trusted.json', { [`sha256:${sha256(CALL)}`]: CALL });
  bannered = {
    manifest,
    running: startServer({
      TALKSTACK_DEMO: '0',
      TALKSTACK_API_URL: 'http://user:secret@127.0.0.1:9/base',
      TALKSTACK_API_KEY: 'k',
      TALKSTACK_PROJECT_ID: 'p',
      UPSTREAM_RETRIES: '0',
      PERSISTED_OPERATIONS_ONLY: 'true',
      PERSISTED_DOCUMENTS_FILE: manifest,
    }),
  };
});

afterAll(async () => {
  killAll();
  await simulator?.close();
  blocker.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('start-up mistakes', () => {
  it('a busy port: one line naming PORT, exit 1, no stack trace', async () => {
    const { running, port } = busyPort;
    const { code } = await waitForExit(running, SHARED_START_TIMEOUT_MS);
    expect(code).toBe(1);
    const lines = running.stderr().trim().split('\n');
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^Port ${port} is already in use \\(PORT\\); stop the other process or set PORT`))]);
    expect(running.stderr()).not.toMatch(STACK_OR_PATH);
  }, SHARED_START_TIMEOUT_MS + 5000);

  it('several invalid settings, a tampered manifest among them: all reported at once, one line each, exit 1', async () => {
    const running = invalidSettings;
    const { code } = await waitForExit(running, SHARED_START_TIMEOUT_MS);
    expect(code).toBe(1);
    const lines = running.stderr().trim().split('\n');
    expect(lines).toHaveLength(5);
    for (const name of ['PORT', 'UPSTREAM_RETRIES', 'LOG_LEVEL', 'SHUTDOWN_GRACE_MS', 'PERSISTED_DOCUMENTS_FILE']) {
      expect(lines.filter((line) => line.startsWith(`Invalid setting ${name}: `))).toHaveLength(1);
    }
    expect(lines.find((line) => line.startsWith('Invalid setting PERSISTED_DOCUMENTS_FILE: '))).toMatch(/is not the SHA-256 of its document/);
    expect(running.stderr()).not.toMatch(STACK_OR_PATH);
    expect(running.stdout()).toBe('');
  }, SHARED_START_TIMEOUT_MS + 5000);
});

describe('the start-up banner', () => {
  it('shows the upstream without the user info of its URL, and the trusted documents it serves, by hash only', async () => {
    const { running, manifest } = bannered;
    const url = await waitForSharedStart(running);
    await waitFor('the upstream line', () => (running.stdout().includes('Upstream:') ? true : undefined));
    expect(running.stdout()).toContain(`(trusted documents only: 1 from ${manifest})`);
    expect(running.stdout()).toContain('Upstream: http://127.0.0.1:9/base\n');
    expect(running.stdout()).not.toContain('secret');

    const ask = async (body: unknown) => {
      const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
      return { status: response.status, text: await response.text() };
    };
    // By hash it runs (the upstream is unreachable: its field fails); as text it is refused.
    const byHash = await ask({ documentId: `sha256:${sha256(CALL)}`, variables: { sid: 'CAunknown' } });
    expect(byHash.status, byHash.text).toBe(200);
    expect(byHash.text).toContain('"code":"UPSTREAM_ERROR"');
    const asText = await ask({ query: CALL, variables: { sid: 'CAunknown' } });
    expect(asText.status).toBe(400);
    expect(asText.text).toContain('"code":"PERSISTED_QUERY_NOT_FOUND"');

    running.child.kill('SIGTERM');
    expect((await waitForExit(running)).code).toBe(0);
  }, SHARED_START_TIMEOUT_MS + 15_000);
});

describe('README.md "Against real Talkstack"', () => {
  it('starts with the key and project the command sets, and a client needs neither', async () => {
    const [command] = realTalkstack;
    expect(command?.words).toEqual(['npm', 'start']);
    const { TALKSTACK_API_KEY: key, TALKSTACK_PROJECT_ID: project } = command?.env ?? {};
    expect([key, project]).toEqual(['your-key', 'your-project']);
    const url = await waitForSharedStart(readmeServer);
    expect(readmeServer.stdout()).not.toMatch(/^Demo mode/m);
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ call(sid: "${SAMPLE}") { sid projectId status } }` }),
    });
    expect(await response.json()).toEqual({ data: { call: { sid: SAMPLE, projectId: project, status: 'COMPLETED' } } });
    const asked = simulator.requestLog.filter((entry) => entry.sid === SAMPLE);
    expect(asked.length).toBeGreaterThan(0);
    for (const entry of asked) expect([entry.apiKey, entry.projectId]).toEqual([key, project]);
  }, SHARED_START_TIMEOUT_MS + 5000);
});
