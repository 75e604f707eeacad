/**
 * examples/dashboard.ts, the terminal dashboard, against the demo server over real HTTP and
 * WebSocket: the table of a page (finished calls, live calls, error rows with their codes,
 * an unknown call), then the live rows moving to COMPLETED through `callsUpdates` as the
 * simulator's injected clock steps, ending by itself once all are final. Also in trusted-
 * documents mode: with hashes only it works; with query texts it is refused. (The web
 * dashboard, in Chromium: test/browser/exampleWeb.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runDashboard } from '../../../examples/dashboard.js';
import type { Config } from '../../../src/config/config.js';
import { DEMO_ERROR_SIDS, DEMO_SAMPLE_SIDS } from '../../../src/simulator/index.js';
import { startDemoServer, type DemoServer } from '../../support/demoServer.js';

const STEP_MS = 8000;
const INTERVAL_MS = 20_000;
// A slot boundary: the newest live call is born exactly at T0, so it starts `queued`.
const T0 = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS;

class Captured {
  text = '';
  readonly isTTY = false;
  write(chunk: string): void {
    this.text += chunk;
  }
}

let demo: DemoServer | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

async function start(config: Partial<Config> = {}) {
  const clock = { t: T0 };
  // The error rows need only their code: one try of 1.5 s, so the timeout and 429 sids do not
  // hold the page for 3 tries and two Retry-After waits.
  demo = await startDemoServer({ simulator: { now: () => clock.t }, config: { callPollIntervalMs: 50, upstreamTimeoutMs: 1500, upstreamRetries: 0, ...config } });
  return { demo, clock };
}

const samples = DEMO_SAMPLE_SIDS.slice(0, 2).map((sample) => sample.sid);

describe('examples/dashboard.ts (terminal dashboard)', () => {
  it('prints the page as a table, error rows with their code, then follows the live call until it is final', async () => {
    const { demo, clock } = await start();
    const live = demo.demo.simulator.liveCalls()[0]?.sid ?? '';
    const errorSids = DEMO_ERROR_SIDS.map((entry) => entry.sid);
    const screen = new Captured();
    const running = runDashboard({ url: `${demo.url}/graphql`, sids: [live, ...samples, ...errorSids], screen, seconds: 15 });
    // Should an expectation fail first, the server closes under it: that is no second failure.
    running.catch(() => undefined);

    // Once it follows, step the clock: queued → ringing → in-progress → completed.
    await expect.poll(() => screen.text, { timeout: 15_000, interval: 20 }).toContain('Following 1 live call(s)');
    for (const step of [1, 2, 4]) {
      clock.t = T0 + step * STEP_MS;
      const stage = { 1: 'RINGING', 2: 'IN_PROGRESS', 4: 'COMPLETED' }[step] ?? '';
      await expect.poll(() => screen.text, { timeout: 5000, interval: 20 }).toMatch(new RegExp(`update  ${live}  ${stage}`));
    }
    const outcome = await running;
    console.log(`terminal dashboard output:\n${screen.text}`);

    expect(outcome.ended).toBe('all-final');
    expect(outcome.updates).toBeGreaterThanOrEqual(3);
    const lines = screen.text.split('\n');
    expect(lines[0]).toMatch(/^SID\s+STATUS\s+FROM\s+TO\s+DATE \(UTC\)\s+TIME\s+COST\s+RECORDINGS$/);
    expect(lines[1]).toMatch(new RegExp(`^${live}  QUEUED \\(live\\)`));
    expect(lines[2]).toMatch(new RegExp(`^${samples[0]}  COMPLETED .*\\d+:\\d\\d .*mp3`));
    for (const [index, entry] of DEMO_ERROR_SIDS.entries()) {
      const row = lines[1 + 1 + samples.length + index] ?? '';
      expect(row.startsWith(entry.sid)).toBe(true);
      expect(row).toContain(entry.code ?? 'not found');
    }
    // The first event of the subscription repeats the page: it is no update line.
    expect(screen.text).not.toMatch(new RegExp(`update  ${live}  QUEUED`));
  }, 40_000);

  it('prints the table only with --once, and stops at once when no call on the page is live', async () => {
    const { demo } = await start();
    const screen = new Captured();
    const outcome = await runDashboard({ url: `${demo.url}/graphql`, sids: samples, screen });
    expect(outcome.ended).toBe('no-live-calls');
    expect(screen.text).toContain('No live call on this page');
    expect(outcome.table.rows.every((row) => row.kind === 'call')).toBe(true);
  });

  it('runs against a trusted-documents server with --trusted (hashes only), and is refused without', async () => {
    const { demo, clock } = await start({ persistedOperationsOnly: true });
    const live = demo.demo.simulator.liveCalls()[0]?.sid ?? '';
    const screen = new Captured();
    const running = runDashboard({ url: `${demo.url}/graphql`, sids: [live, ...samples], screen, trusted: true, seconds: 15 });
    running.catch(() => undefined);
    await expect.poll(() => screen.text, { timeout: 15_000, interval: 20 }).toContain('Following 1 live call(s)');
    clock.t = T0 + 4 * STEP_MS;
    const outcome = await running;
    expect(outcome.ended).toBe('all-final');
    expect(screen.text).toMatch(new RegExp(`update  ${live}  COMPLETED`));

    const refused = new Captured();
    const failed = await runDashboard({ url: `${demo.url}/graphql`, sids: samples, screen: refused });
    expect(failed.ended).toBe('failed');
    expect(refused.text).toContain('error PERSISTED_QUERY_NOT_FOUND');
  }, 40_000);
});
