/**
 * The bench's output: one table of every run, then the ratios the targets are stated in
 * (issue 7), each marked met or missed. Markdown, so a run can go into bench/README.md as is.
 */

import { WORKLOADS } from './workloads.js';

export interface Row {
  workload: string;
  target: string;
  ops: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  /** non-2xx answers and connection errors */
  failures: number;
  /** answers that were not what the workload expects (sampled) */
  wrong: string[];
  idealMeanMs: number | undefined;
  upstreamPerOp: number;
  peakInFlight: number;
  rssMb: number;
  cpuMsPerOp: number;
}

export interface FairnessRow {
  target: string;
  latencyMs: number;
  light: Pick<Row, 'ops' | 'meanMs' | 'p50Ms' | 'p99Ms' | 'failures' | 'wrong'>;
  heavy: Pick<Row, 'ops' | 'meanMs' | 'p50Ms' | 'p99Ms' | 'failures' | 'wrong'>;
  peakInFlight: number;
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const ms = (value: number) => fixed(value, value < 10 ? 1 : 0);
const thousands = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—');
const perOp = (value: number) => (Math.abs(value - Math.round(value)) < 0.005 ? String(Math.round(value)) : fixed(value, 2));

function table(rows: readonly Row[]): string[] {
  const lines = [
    '| workload | server | rps | p50 ms | p99 ms | mean ms | ideal mean ms | upstream req/op | peak upstream in flight | server RSS MB | server CPU ms/op |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const flags = [row.failures ? `${row.failures} failed` : '', row.wrong.length ? `${row.wrong.length} wrong` : ''].filter(Boolean).join(', ');
    lines.push(
      `| ${row.workload} | ${row.target}${flags ? ` (${flags})` : ''} | ${thousands(row.rps)} | ${ms(row.p50Ms)} | ${ms(row.p99Ms)} | ${ms(row.meanMs)} | ${
        row.idealMeanMs === undefined ? '—' : ms(row.idealMeanMs)
      } | ${perOp(row.upstreamPerOp)} | ${row.peakInFlight} | ${fixed(row.rssMb, 0)} | ${fixed(row.cpuMsPerOp, 2)} |`,
    );
  }
  return lines;
}

interface Check {
  what: string;
  value: string;
  target: string;
  met: boolean | undefined;
}

function checks(rows: readonly Row[], fairness: readonly FairnessRow[]): Check[] {
  const find = (workload: string, target: string) => rows.find((row) => row.workload === workload && row.target === target);
  const out: Check[] = [];
  const ratio = (what: string, a: number | undefined, b: number | undefined, target: string, test: (r: number) => boolean) => {
    const r = a !== undefined && b !== undefined && b !== 0 ? a / b : undefined;
    out.push({ what, value: r === undefined ? 'not run' : `${fixed(r, 2)}×`, target, met: r === undefined ? undefined : test(r) });
  };
  const exact = (what: string, value: number | undefined, expected: number) =>
    out.push({ what, value: value === undefined ? 'not run' : perOp(value), target: `exactly ${expected}`, met: value === undefined ? undefined : Math.abs(value - expected) < 0.005 });

  const ours = (workload: string) => find(workload, 'talkstack');
  ratio('w2 rps vs apollo-rest', ours('w2')?.rps, find('w2', 'apollo-rest')?.rps, '≥ 1.1× (stretch 1.3×)', (r) => r >= 1.1);
  ratio('w2 rps vs yoga-minimal', ours('w2')?.rps, find('w2', 'yoga-minimal')?.rps, '≥ 0.85×', (r) => r >= 0.85);
  ratio('w2 CPU/op vs apollo-rest', ours('w2')?.cpuMsPerOp, find('w2', 'apollo-rest')?.cpuMsPerOp, 'lower is better', () => true);
  ratio('w2 CPU/op vs yoga-minimal', ours('w2')?.cpuMsPerOp, find('w2', 'yoga-minimal')?.cpuMsPerOp, 'lower is better', () => true);
  for (const workload of ['w3', 'w3c', 'w4']) {
    const row = ours(workload);
    ratio(`${workload} mean vs ideal`, row?.meanMs, row?.idealMeanMs, '≤ 1.15×', (r) => r <= 1.15);
    const floor = find(workload, 'upstream floor');
    ratio(`${workload} mean vs upstream floor (the ideal as this machine's upstream allows)`, row?.meanMs, floor?.meanMs, '≤ 1.15×', (r) => r <= 1.15);
  }
  exact('w3 upstream requests per operation', ours('w3')?.upstreamPerOp, 70);
  out.push({
    what: 'w3 peak upstream in flight',
    value: ours('w3') ? String(ours('w3')?.peakInFlight) : 'not run',
    target: '≤ 64',
    met: ours('w3') ? (ours('w3')?.peakInFlight ?? 0) <= 64 : undefined,
  });
  ratio('w3c mean vs apollo-rest', ours('w3c')?.meanMs, find('w3c', 'apollo-rest')?.meanMs, '≤ 0.8×', (r) => r <= 0.8);
  ratio('w3c mean vs apollo-rest, both without a slot limit (talkstack@1024)', find('w3c', 'talkstack@1024')?.meanMs, find('w3c', 'apollo-rest')?.meanMs, '≤ 0.8×', (r) => r <= 0.8);
  exact('w4 upstream requests per operation', ours('w4')?.upstreamPerOp, 120);
  ratio('w4 mean vs apollo-rest', ours('w4')?.meanMs, find('w4', 'apollo-rest')?.meanMs, '≤ 0.6×', (r) => r <= 0.6);
  ratio('w4 mean vs apollo-rest, both without a slot limit (talkstack@1024)', find('w4', 'talkstack@1024')?.meanMs, find('w4', 'apollo-rest')?.meanMs, '≤ 0.6×', (r) => r <= 0.6);
  ratio('w4 server CPU per operation vs apollo-rest', ours('w4')?.cpuMsPerOp, find('w4', 'apollo-rest')?.cpuMsPerOp, 'lower is better', () => true);
  ratio('w4 server RSS vs apollo-rest', ours('w4')?.rssMb, find('w4', 'apollo-rest')?.rssMb, '≤ 0.6×', (r) => r <= 0.6);
  exact('w5 upstream requests per operation', ours('w5')?.upstreamPerOp, 100);
  const fair = fairness.find((row) => row.target === 'talkstack');
  ratio("fairness: light tenant's mean vs upstream latency", fair?.light.meanMs, fair?.latencyMs, '≤ 3×', (r) => r <= 3);
  // Issue 9: the cache of final calls and the fast path for settled answers.
  ratio('w1 rps vs bare-proxy (settled answers)', ours('w1')?.rps, find('w1', 'bare-proxy')?.rps, '≥ 2×', (r) => r >= 2);
  ratio('w1 rps vs apollo-rest', ours('w1')?.rps, find('w1', 'apollo-rest')?.rps, 'higher is better', () => true);
  out.push({
    // Coalescing may make it a little less: two users refreshing at once share a live call's fetch.
    what: 'w6 upstream requests per refresh (only the 10 live calls)',
    value: ours('w6') ? perOp(ours('w6')?.upstreamPerOp ?? 0) : 'not run',
    target: '≤ 10',
    met: ours('w6') ? (ours('w6')?.upstreamPerOp ?? 0) <= 10.005 : undefined,
  });
  ratio('w6 mean vs upstream latency', ours('w6')?.meanMs, WORKLOADS.find((w) => w.id === 'w6')?.latencyMs, '≤ 3×', (r) => r <= 3);
  ratio('w6 mean vs apollo-rest', ours('w6')?.meanMs, find('w6', 'apollo-rest')?.meanMs, 'lower is better', () => true);
  return out;
}

export function formatReport(rows: readonly Row[], fairness: readonly FairnessRow[], run: { seconds: number; slots: number; tookSeconds: number }): string {
  const lines = [
    `## npm run bench — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}, ~${run.seconds} s per run, UPSTREAM_CONCURRENCY=${run.slots}, took ${fixed(run.tookSeconds, 0)} s`,
    '',
    ...table(rows),
  ];
  if (fairness.length) {
    lines.push('', `Fairness (upstream ${fairness[0]?.latencyMs} ms): a heavy tenant loops 500-call pages while a light tenant asks for single calls, 1 connection each.`, '');
    lines.push('| server | light tenant: calls | mean ms | p50 ms | p99 ms | heavy tenant: pages | page mean ms | peak upstream in flight |', '|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const row of fairness) {
      const problems = row.light.failures + row.heavy.failures + row.light.wrong.length + row.heavy.wrong.length;
      lines.push(
        `| ${row.target}${problems ? ` (${problems} failed or wrong)` : ''} | ${row.light.ops} | ${ms(row.light.meanMs)} | ${ms(row.light.p50Ms)} | ${ms(row.light.p99Ms)} | ${row.heavy.ops} | ${ms(row.heavy.meanMs)} | ${row.peakInFlight} |`,
      );
    }
  }
  lines.push('', '| target | measured | wanted | |', '|---|---:|---|---|');
  for (const check of checks(rows, fairness)) {
    lines.push(`| ${check.what} | ${check.value} | ${check.target} | ${check.met === undefined ? '' : check.met ? 'met' : '**missed**'} |`);
  }
  const wrong = [...rows.flatMap((row) => row.wrong.map((w) => `${row.workload} ${row.target}: ${w}`))];
  if (wrong.length) lines.push('', 'Wrong answers seen:', ...wrong.map((w) => `- ${w}`));
  return lines.join('\n');
}
