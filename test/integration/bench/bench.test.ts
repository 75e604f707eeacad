/**
 * `npm run bench` in miniature: the compiled bench (`npm run build`) makes a smoke run of two
 * workloads against this server and the bare proxy (no warm-up, one operation per
 * connection), and the test checks the runner measures what it says (exact upstream requests
 * per operation, no failed or wrong answers, CPU and RSS read, a report with the targets).
 * No speed is asserted here: figures belong to `npm run bench`, not to tests.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIST, ROOT } from '../../../bench/lib/serverProcess.js';

const RUNNER = join(DIST, 'bench', 'run.js');

interface BenchRow {
  workload: string;
  target: string;
  ops: number;
  upstreamPerOp: number;
  peakInFlight: number;
  failures: number;
  wrong: string[];
  cpuMsPerOp: number;
  rssMb: number;
}

describe('npm run bench (w2 and w5, one operation per connection)', () => {
  it('measures exact upstream requests per operation and reports the targets', () => {
    if (!existsSync(RUNNER)) throw new Error(`${RUNNER} is missing: run \`npm run build\` (the npm "prepare" step) before this test.`);
    const out = mkdtempSync(join(tmpdir(), 'bench-'));
    try {
      const run = spawnSync(process.execPath, [RUNNER], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          ...process.env,
          BENCH_WORKLOADS: 'w2,w5',
          BENCH_TARGETS: 'talkstack,bare-proxy',
          BENCH_WARMUP_SECONDS: '0',
          // Only the upstream floor's run: a server's run is one operation per connection.
          BENCH_SECONDS: '0.1',
          BENCH_QUIET_MS: '100',
          BENCH_RESULTS_DIR: out,
        },
      });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain('| w5 upstream requests per operation | 100 | exactly 100 | met |');

      const { rows } = JSON.parse(readFileSync(join(out, 'last-run.json'), 'utf8')) as { rows: BenchRow[] };
      const row = (workload: string, target: string) => rows.find((r) => r.workload === workload && r.target === target);
      expect(rows.map((r) => `${r.workload} ${r.target}`)).toEqual(['w2 talkstack', 'w2 bare-proxy', 'w5 talkstack', 'w5 upstream floor']);
      for (const r of rows) {
        expect(r.failures, `${r.workload} ${r.target}`).toBe(0);
        expect(r.wrong, `${r.workload} ${r.target}`).toEqual([]);
      }
      // 50 connections and 1 connection.
      expect(row('w2', 'talkstack')?.ops).toBe(50);
      expect(row('w2', 'bare-proxy')?.ops).toBe(50);
      expect(row('w5', 'talkstack')?.ops).toBe(1);
      expect(row('w2', 'talkstack')?.upstreamPerOp).toBe(1);
      expect(row('w2', 'bare-proxy')?.upstreamPerOp).toBe(1);
      expect(row('w5', 'talkstack')?.upstreamPerOp).toBe(100);
      expect(row('w5', 'talkstack')?.peakInFlight).toBeLessThanOrEqual(64);
      expect(row('w2', 'talkstack')?.cpuMsPerOp).toBeGreaterThan(0);
      expect(row('w2', 'talkstack')?.rssMb).toBeGreaterThan(0);
      expect(row('w5', 'upstream floor')?.upstreamPerOp).toBe(100);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
