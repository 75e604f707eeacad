/**
 * `npm run bench`: this server against the usual alternatives, side by side in one run, on
 * loopback, against the same simulated upstream in a process of its own.
 *
 *   talkstack      this server as `npm run build` compiles it (dist/src/main.js), with `npm start`'s flags
 *   apollo-rest    Apollo Server 5 + @apollo/datasource-rest, the usual way (bench/baselines/apollo-rest)
 *   yoga-minimal   a bare Yoga with the same schema, one plain undici call per field (the framework's floor)
 *   bare-proxy     node:http doing the same upstream POST, no GraphQL at all (the floor of any server)
 *
 * Every server the run needs is started first, all at once; then each workload runs a warm-up,
 * then a measured run of a fixed number of operations (sized from the warm-up to last about
 * BENCH_SECONDS), so every operation completes and upstream requests per operation are exact.
 * Server CPU and RSS come from /proc; upstream requests and the peak in flight from the
 * simulator's counters, read once the upstream has been quiet for BENCH_QUIET_MS. Prints one
 * table and the ratios the issue's targets are stated in; writes them to
 * bench/results/last-run.{json,md}.
 *
 * Settings: BENCH_SECONDS (default 5), BENCH_WARMUP_SECONDS (1; 0 makes a smoke run: no
 * warm-up, one operation per connection, exact counts but no figure worth quoting), BENCH_QUIET_MS (500),
 * BENCH_WORKLOADS (e.g. "w2,w4,fair"), BENCH_TARGETS (e.g. "talkstack,apollo-rest"),
 * BENCH_RESULTS_DIR (default bench/results). Bounded: every run has a fixed size or duration,
 * every child is stopped at the end (and on Ctrl-C).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureFloor } from './floor.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { cpuMs, sampleRssPeak } from './lib/procStats.js';
import { ROOT } from './lib/serverProcess.js';
import { BENCH_KEY, startUpstream, TENANT_KEYS, type Upstream } from './lib/upstream.js';
import { formatReport, type FairnessRow, type Row } from './report.js';
import { startTarget, type Target } from './targets.js';
import { FAIRNESS, idealMeanMs, SLOTS, type TargetName, type Workload, WORKLOADS } from './workloads.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const warmupSeconds = Number(process.env['BENCH_WARMUP_SECONDS'] ?? 1);
const quietMs = Number(process.env['BENCH_QUIET_MS'] ?? 500);
const onlyWorkloads = process.env['BENCH_WORKLOADS']?.split(',').map((id) => id.trim());
const onlyTargets = process.env['BENCH_TARGETS']?.split(',').map((name) => name.trim());

const wanted = (name: TargetName) => !onlyTargets || onlyTargets.includes(name);

/** One row to measure: a server, under the name and with the settings of this workload. */
interface Run {
  name: TargetName;
  label: string;
  env?: Readonly<Record<string, string>>;
}

/** Targets started once, and this server's extra instances per distinct setting. */
class Targets {
  readonly #running = new Map<string, Promise<Target>>();
  constructor(private readonly upstream: Upstream) {}

  get({ name, label, env }: Run): Promise<Target> {
    const serverEnv = name === 'talkstack' ? env : undefined;
    const key = `${label} ${JSON.stringify(serverEnv ?? {})}`;
    let target = this.#running.get(key);
    if (!target) {
      target = startTarget(name, this.upstream, { label, serverEnv });
      this.#running.set(key, target);
    }
    return target;
  }

  async stopAll(): Promise<void> {
    const started = await Promise.allSettled(this.#running.values());
    await Promise.all(started.map((target) => (target.status === 'fulfilled' ? target.value.stop() : undefined)));
    this.#running.clear();
  }
}

/** The rows of a workload: its targets, and this server's variants. */
function runsOf(workload: Workload): Run[] {
  const runs: Run[] = workload.targets.filter(wanted).map((name) => ({ name, label: name, env: workload.serverEnv }));
  if (wanted('talkstack')) {
    for (const variant of workload.variants ?? []) runs.push({ name: 'talkstack', label: variant.name, env: { ...workload.serverEnv, ...variant.env } });
  }
  return runs;
}

async function measure(workload: Workload, target: Target, upstream: Upstream): Promise<Row> {
  await upstream.setLatency(workload.latencyMs);
  const load = { url: target.url, connections: workload.connections, headers: { 'x-api-key': BENCH_KEY }, body: workload.body };
  const warm = warmupSeconds > 0 ? await runLoad({ ...load, seconds: warmupSeconds }) : undefined;
  if (warm) await upstream.idle(quietMs);
  await upstream.reset();
  const operations = warm ? Math.max(workload.connections * 3, Math.round(warm.rps * seconds)) : workload.connections;
  const cpuBefore = cpuMs(target.pid);
  const rss = sampleRssPeak(target.pid);
  // Bodies the warm-up sent are not sent again: a "fresh sid each time" stays fresh with a
  // cache of final calls (workloads that repeat bodies on purpose, w1 and w6, still do).
  const result = await runLoad({ ...load, operations, check: workload.check, firstOperation: warm?.nextOperation ?? 0 });
  const cpu = cpuMs(target.pid) - cpuBefore;
  const rssPeak = rss.stop();
  await upstream.idle(quietMs);
  const stats = await upstream.stats();
  return {
    workload: workload.id,
    target: target.name,
    ...summary(result),
    idealMeanMs: workload.distinctCalls && workload.latencyMs > 0 ? idealMeanMs(workload.distinctCalls, workload.connections, workload.latencyMs) : undefined,
    upstreamPerOp: stats.requests / result.ops,
    peakInFlight: stats.maxInFlight,
    rssMb: rssPeak / 1024 / 1024,
    cpuMsPerOp: cpu / result.ops,
  };
}

/** The upstream floor as a row of the table (no server: no CPU or RSS of its own). */
function floorRow(workload: Workload, floor: { ops: number; meanMs: number }): Row {
  return {
    workload: workload.id,
    target: 'upstream floor',
    ops: floor.ops,
    rps: Number.NaN,
    p50Ms: Number.NaN,
    p99Ms: Number.NaN,
    meanMs: floor.meanMs,
    failures: 0,
    wrong: [],
    idealMeanMs: idealMeanMs(workload.distinctCalls ?? 0, workload.connections, workload.latencyMs),
    upstreamPerOp: workload.distinctCalls ?? 0,
    peakInFlight: SLOTS,
    rssMb: Number.NaN,
    cpuMsPerOp: Number.NaN,
  };
}

function summary(result: LoadResult) {
  return {
    ops: result.ops,
    rps: result.rps,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    meanMs: result.meanMs,
    failures: result.non2xx + result.errors,
    wrong: result.wrong,
  };
}

async function measureFairness(target: Target, upstream: Upstream): Promise<FairnessRow> {
  await upstream.setLatency(FAIRNESS.latencyMs);
  await upstream.reset();
  const heavy = runLoad({
    url: target.url,
    connections: 1,
    seconds: seconds + 2,
    headers: { 'x-api-key': TENANT_KEYS.heavy },
    body: FAIRNESS.heavyBody,
    check: FAIRNESS.checkHeavy,
    checkEvery: 1,
  });
  // The light tenant starts once the heavy page has filled the slots and queued the rest.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const light = await runLoad({
    url: target.url,
    connections: 1,
    seconds,
    headers: { 'x-api-key': TENANT_KEYS.light },
    body: FAIRNESS.lightBody,
    check: FAIRNESS.checkLight,
    checkEvery: 1,
  });
  const heavyResult = await heavy;
  await upstream.idle();
  const stats = await upstream.stats();
  return {
    target: target.name,
    latencyMs: FAIRNESS.latencyMs,
    light: summary(light),
    heavy: summary(heavyResult),
    peakInFlight: stats.maxInFlight,
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const plan = WORKLOADS.filter((workload) => !onlyWorkloads || onlyWorkloads.includes(workload.id)).map((workload) => ({ workload, runs: runsOf(workload) }));
  const fairnessRuns: Run[] =
    !onlyWorkloads || onlyWorkloads.includes(FAIRNESS.id) ? FAIRNESS.targets.filter(wanted).map((name) => ({ name, label: name })) : [];
  const upstream = await startUpstream();
  const targets = new Targets(upstream);
  const stop = async () => {
    await targets.stopAll();
    await upstream.close();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));

  const rows: Row[] = [];
  const fairness: FairnessRow[] = [];
  try {
    // All at once: servers load in parallel, and one that cannot start fails the bench before any measuring.
    await Promise.all([...plan.flatMap(({ runs }) => runs), ...fairnessRuns].map((run) => targets.get(run)));
    for (const { workload, runs } of plan) {
      for (const run of runs) {
        const row = await measure(workload, await targets.get(run), upstream);
        rows.push(row);
        process.stderr.write(`${workload.id} ${run.label}: ${row.rps.toFixed(0)} rps, mean ${row.meanMs.toFixed(1)} ms\n`);
      }
      if (workload.distinctCalls && workload.distinctCalls > 1 && workload.latencyMs > 0) {
        const floor = await measureFloor(upstream.url, SLOTS, workload.distinctCalls, workload.connections, seconds);
        rows.push(floorRow(workload, floor));
      }
    }
    for (const run of fairnessRuns) {
      const row = await measureFairness(await targets.get(run), upstream);
      fairness.push(row);
      process.stderr.write(`fair ${run.label}: light mean ${row.light.meanMs.toFixed(0)} ms\n`);
    }
  } finally {
    await stop();
  }

  const report = formatReport(rows, fairness, { seconds, slots: SLOTS, tookSeconds: (Date.now() - started) / 1000 });
  console.log(report);
  const out = process.env['BENCH_RESULTS_DIR'] || join(ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'last-run.md'), `${report}\n`);
  writeFileSync(join(out, 'last-run.json'), `${JSON.stringify({ rows, fairness, at: new Date().toISOString() }, null, 2)}\n`);
}

await main();
