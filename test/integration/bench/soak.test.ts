/**
 * The soak runner (bench/soak.ts) in miniature: a 3 s run against the compiled server, to
 * prove the runner works and that the server survives the abusive mix. RSS growth is not
 * asserted: a few seconds say nothing about leaks (`npm run soak` does).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runSoak, type SoakResult } from '../../../bench/soak.js';
import { SERVER_ENTRY } from '../../../bench/lib/serverProcess.js';

/** One code per failure mode seeded in the simulator, plus the server's own input check. */
const EXPECTED_CODES = ['UPSTREAM_ERROR', 'RATE_LIMITED', 'UPSTREAM_TIMEOUT', 'UPSTREAM_BAD_RESPONSE', 'BAD_USER_INPUT'];

describe('soak runner (3 s, 8 workers)', () => {
  it('runs the compiled server through the whole mix without a crash, a 5xx or a failed request', async () => {
    if (!existsSync(SERVER_ENTRY)) {
      throw new Error(`${SERVER_ENTRY} is missing: run \`npm run build\` (the npm "prepare" step) before this test.`);
    }
    const result: SoakResult = await runSoak({ seconds: 3, warmupSeconds: 1, concurrency: 8 });
    const { load, server } = result;
    const context = JSON.stringify({ failed: result.failed, failures: load.failureSamples, wrong: load.wrongAnswerSamples, stderr: server.stderrTail });

    expect(server.crashed, context).toBe(false);
    expect(server.shutdown, context).toBe('clean');
    expect(load.server5xx, context).toBe(0);
    expect(load.failed, context).toBe(0);
    expect(load.wrongAnswers, context).toBe(0);
    // It ran: a loaded machine serves a few dozen in 3 s, an idle one hundreds.
    expect(load.served).toBeGreaterThan(10);
    for (const code of EXPECTED_CODES) expect(load.errorCodes[code] ?? 0, `${code} in ${JSON.stringify(load.errorCodes)}`).toBeGreaterThan(0);
    // The machine-readable figures the CLI prints are there too.
    expect(load.latencyMs?.p99).toBeGreaterThan(0);
    expect(result.rss.warmupBytes).toBeGreaterThan(0);
    expect(result.rss.endBytes).toBeGreaterThan(0);
  }, 30_000);
});
