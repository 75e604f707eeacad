/**
 * `npm run bench` in miniature: compiles the bench, runs two workloads for about a second
 * against this server and the bare proxy, and checks the runner measures what it says
 * (exact upstream requests per operation, no failed or wrong answers, a report with the
 * targets). No speed is asserted here: figures belong to `npm run bench`, not to unit tests.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

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

describe('npm run bench (w2 and w5, ~1 s each)', () => {
  it('measures exact upstream requests per operation and reports the targets', () => {
    const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.bench.json'], { cwd: root, encoding: 'utf8' });
    expect(build.status, build.stdout + build.stderr).toBe(0);
    const out = mkdtempSync(join(tmpdir(), 'bench-'));
    const run = spawnSync(process.execPath, ['dist-bench/bench/run.js'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 90_000,
      env: {
        ...process.env,
        BENCH_WORKLOADS: 'w2,w5',
        BENCH_TARGETS: 'talkstack,bare-proxy',
        BENCH_SECONDS: '1',
        BENCH_WARMUP_SECONDS: '0.5',
        BENCH_RESULTS_DIR: out,
      },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('| w5 upstream requests per operation | 100 | exactly 100 | met |');

    const { rows } = JSON.parse(readFileSync(join(out, 'last-run.json'), 'utf8')) as { rows: BenchRow[] };
    const row = (workload: string, target: string) => rows.find((r) => r.workload === workload && r.target === target);
    for (const r of rows) {
      expect(r.failures, `${r.workload} ${r.target}`).toBe(0);
      expect(r.wrong, `${r.workload} ${r.target}`).toEqual([]);
    }
    expect(row('w2', 'talkstack')?.upstreamPerOp).toBe(1);
    expect(row('w2', 'bare-proxy')?.upstreamPerOp).toBe(1);
    expect(row('w5', 'talkstack')?.upstreamPerOp).toBe(100);
    expect(row('w5', 'talkstack')?.peakInFlight).toBeLessThanOrEqual(64);
    expect(row('w2', 'talkstack')?.cpuMsPerOp).toBeGreaterThan(0);
    expect(row('w2', 'talkstack')?.rssMb).toBeGreaterThan(0);
    expect(row('w5', 'upstream floor')?.upstreamPerOp).toBe(100);
  }, 120_000);
});
