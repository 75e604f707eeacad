/**
 * `npm run bench:interleaved`: one workload on several servers at once, in alternating rounds
 * of a fixed number of operations, against one upstream. `npm run bench` runs the servers one
 * after another, so on a shared machine a burst of someone else's load lands on one server's
 * figures only; here every server sees the same bursts, and the ratios of CPU per operation
 * (read from /proc for each server process alone) are what to quote.
 *
 * Settings: BENCH_WORKLOAD (default w2), BENCH_TARGETS (default "talkstack,apollo-rest,yoga-minimal"),
 * BENCH_ROUNDS (default 6), BENCH_OPERATIONS (per server and round, default 5000). Bounded:
 * rounds × operations per server, every child stopped at the end.
 *
 * BENCH_BEFORE=<another build's compiled entry> (e.g. `../before/dist/src/main.js` of a clone at
 * an earlier commit, after its `npm ci`) adds a row "talkstack (before)" started exactly like
 * this server: a change on the request path measured before and after in one run, under the
 * same bursts.
 */
import { runLoad } from './lib/load.js';
import { cpuMs } from './lib/procStats.js';
import { BENCH_KEY, startUpstream } from './lib/upstream.js';
import { isTargetName, startTarget, type Target } from './targets.js';
import { type TargetName, WORKLOADS } from './workloads.js';

const workloadId = process.env['BENCH_WORKLOAD']?.trim() || 'w2';
const names: TargetName[] = (process.env['BENCH_TARGETS'] ?? 'talkstack,apollo-rest,yoga-minimal').split(',').map((name) => {
  const trimmed = name.trim();
  if (!isTargetName(trimmed)) throw new Error(`unknown target ${trimmed}`);
  return trimmed;
});
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 6);
const operations = Number(process.env['BENCH_OPERATIONS'] ?? 5000);

const workload = WORKLOADS.find((w) => w.id === workloadId);
if (!workload) throw new Error(`unknown workload ${workloadId}: one of ${WORKLOADS.map((w) => w.id).join(', ')}`);

const upstream = await startUpstream();
const targets: Target[] = [];
try {
  await upstream.setLatency(workload.latencyMs);
  for (const name of names) targets.push(await startTarget(name, upstream, { serverEnv: workload.serverEnv }));
  const beforeEntry = process.env['BENCH_BEFORE']?.trim();
  if (beforeEntry) targets.push(await startTarget('talkstack', upstream, { label: 'talkstack (before)', entry: beforeEntry, serverEnv: workload.serverEnv }));
  const totals = targets.map(() => ({ cpuMs: 0, ops: 0, seconds: 0, failures: 0, latencyMs: 0 }));
  // Every body is sent once per server (a "new sid each time" stays new), unless the workload repeats on purpose.
  let next = 0;
  const round = async (index: number, amount: number, counted: boolean) => {
    const target = targets[index] as Target;
    const before = cpuMs(target.pid);
    const started = performance.now();
    const result = await runLoad({ url: target.url, connections: workload.connections, headers: { 'x-api-key': BENCH_KEY }, body: workload.body, operations: amount, firstOperation: next });
    next = result.nextOperation;
    if (!counted) return;
    const total = totals[index] as (typeof totals)[number];
    total.cpuMs += cpuMs(target.pid) - before;
    total.ops += result.ops;
    total.seconds += (performance.now() - started) / 1000;
    total.failures += result.non2xx + result.errors;
    total.latencyMs += result.meanMs * result.ops;
  };
  for (let i = 0; i < targets.length; i++) await round(i, Math.min(operations, 2000), false);
  for (let r = 0; r < rounds; r++) {
    const order = targets.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    for (const i of order) await round(i, operations, true);
  }
  const first = totals[0] as (typeof totals)[number];
  const perOp = (t: typeof first) => t.cpuMs / t.ops;
  console.log(`## ${workload.id} interleaved: ${rounds} rounds × ${operations} operations per server, ${workload.connections} connections, upstream ${workload.latencyMs} ms`);
  console.log('');
  console.log(`| server | CPU ms/op | vs ${targets[0]?.name} | ops/s | mean ms | failures |`);
  console.log('|---|---:|---:|---:|---:|---:|');
  targets.forEach((target, i) => {
    const t = totals[i] as typeof first;
    console.log(`| ${target.name} | ${perOp(t).toFixed(3)} | ${(perOp(t) / perOp(first)).toFixed(2)}× | ${Math.round(t.ops / t.seconds)} | ${(t.latencyMs / t.ops).toFixed(1)} | ${t.failures} |`);
  });
} finally {
  await Promise.all(targets.map((target) => target.stop()));
  await upstream.close();
}
