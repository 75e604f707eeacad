/**
 * `npm run bench`: this server against the usual alternatives, side by side in one run, on
 * loopback, against the same simulated upstream in a process of its own.
 *
 *   talkstack      this server, compiled with the bench (dist-bench/src/main.js)
 *   apollo-rest    Apollo Server 5 + @apollo/datasource-rest, the usual way (bench/baselines/apollo-rest)
 *   yoga-minimal   a bare Yoga with the same schema, one plain undici call per field (the framework's floor)
 *   bare-proxy     node:http doing the same upstream POST, no GraphQL at all (the floor of any server)
 *
 * Each workload runs a warm-up, then a measured run of a fixed number of operations (sized
 * from the warm-up to last about BENCH_SECONDS), so every operation completes and upstream
 * requests per operation are exact. Server CPU and RSS come from /proc; upstream requests and
 * the peak in flight from the simulator's counters. Prints one table and the ratios the
 * issue's targets are stated in; writes them to bench/results/last-run.{json,md}.
 *
 * Settings: BENCH_SECONDS (default 5), BENCH_WARMUP_SECONDS (1), BENCH_WORKLOADS (e.g.
 * "w2,w4,fair"), BENCH_TARGETS (e.g. "talkstack,apollo-rest"), BENCH_RESULTS_DIR (default
 * bench/results). Bounded: every run has a fixed
 * size or duration, every child is stopped at the end (and on Ctrl-C).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BENCH_KEY, BENCH_PROJECT, TENANT_KEYS } from './harness/benchSettings.js';
import { measureFloor } from './harness/floor.js';
import { TARGET_ENTRIES } from './harness/targetEntries.js';
import { runLoad, type LoadResult } from './harness/load.js';
import { cpuMs, rssSampler, startFlags, startTarget, startUpstream, type Target, type Upstream } from './harness/processes.js';
import { formatReport, type FairnessRow, type Row } from './report.js';
import { FAIRNESS, idealMeanMs, SLOTS, type TargetName, type Workload, WORKLOADS } from './workloads.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const warmupSeconds = Number(process.env['BENCH_WARMUP_SECONDS'] ?? 1);
const onlyWorkloads = process.env['BENCH_WORKLOADS']?.split(',').map((id) => id.trim());
const onlyTargets = process.env['BENCH_TARGETS']?.split(',').map((name) => name.trim());

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const ENTRIES = TARGET_ENTRIES;

/** Node flags of `npm start`, applied to this server's processes. */
const SERVER_FLAGS = startFlags(here('../../package.json'));

const wanted = (name: TargetName) => !onlyTargets || onlyTargets.includes(name);

function targetEnv(upstream: Upstream, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    TALKSTACK_DEMO: '0',
    TALKSTACK_API_URL: upstream.url,
    TALKSTACK_PROJECT_ID: BENCH_PROJECT,
    UPSTREAM_CONCURRENCY: String(SLOTS),
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** Targets started once, and this server's extra instances per distinct setting. */
class Targets {
  readonly #running = new Map<string, Target>();
  constructor(private readonly upstream: Upstream) {}

  async get(name: TargetName, serverEnv?: Readonly<Record<string, string>>, label: string = name): Promise<Target> {
    const env = name === 'talkstack' ? serverEnv : undefined;
    const key = `${label} ${JSON.stringify(env ?? {})}`;
    let target = this.#running.get(key);
    if (!target) {
      target = await startTarget(label, ENTRIES[name], targetEnv(this.upstream, env), name === 'talkstack' ? SERVER_FLAGS : []);
      this.#running.set(key, target);
    }
    return target;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#running.values()].map((target) => target.stop()));
    this.#running.clear();
  }
}

/**
 * Waits until the upstream is quiet: nothing in flight and no new request for 500 ms (work of
 * the last operations finishing, including requests a server still had queued).
 */
async function upstreamIdle(upstream: Upstream): Promise<void> {
  const deadline = Date.now() + 15_000;
  let last = -1;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    const stats = await upstream.stats();
    if (stats.inFlight > 0 || stats.requests !== last) quietSince = Date.now();
    last = stats.requests;
    if (Date.now() - quietSince >= 500) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function measure(workload: Workload, target: Target, upstream: Upstream): Promise<Row> {
  await upstream.setLatency(workload.latencyMs);
  const load = { url: target.url, connections: workload.connections, headers: { 'x-api-key': BENCH_KEY }, body: workload.body };
  const warm = await runLoad({ ...load, seconds: warmupSeconds });
  await upstreamIdle(upstream);
  await upstream.reset();
  const operations = Math.max(workload.connections * 3, Math.round(warm.rps * seconds));
  const cpuBefore = cpuMs(target.pid);
  const rss = rssSampler(target.pid);
  // Bodies the warm-up sent are not sent again: a "fresh sid each time" stays fresh with a
  // cache of final calls (workloads that repeat bodies on purpose, w1 and w6, still do).
  const result = await runLoad({ ...load, operations, check: workload.check, firstOperation: warm.nextOperation });
  const cpu = cpuMs(target.pid) - cpuBefore;
  const rssPeak = rss.stop();
  await upstreamIdle(upstream);
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
  await upstreamIdle(upstream);
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
  const upstream = await startUpstream(here('./harness/upstreamProcess.js'));
  const targets = new Targets(upstream);
  const stop = async () => {
    await targets.stopAll();
    await upstream.close();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));

  const rows: Row[] = [];
  const fairness: FairnessRow[] = [];
  try {
    for (const workload of WORKLOADS) {
      if (onlyWorkloads && !onlyWorkloads.includes(workload.id)) continue;
      const runs = workload.targets.filter(wanted).map((name) => ({ name, label: name as string, env: workload.serverEnv }));
      if (wanted('talkstack')) {
        for (const variant of workload.variants ?? []) runs.push({ name: 'talkstack', label: variant.name, env: { ...workload.serverEnv, ...variant.env } });
      }
      for (const { name, label, env } of runs) {
        const row = await measure(workload, await targets.get(name, env, label), upstream);
        rows.push(row);
        process.stderr.write(`${workload.id} ${label}: ${row.rps.toFixed(0)} rps, mean ${row.meanMs.toFixed(1)} ms\n`);
      }
      if (workload.distinctCalls && workload.distinctCalls > 1 && workload.latencyMs > 0) {
        const floor = await measureFloor(upstream.url, SLOTS, workload.distinctCalls, workload.connections, seconds);
        rows.push(floorRow(workload, floor));
      }
    }
    if (!onlyWorkloads || onlyWorkloads.includes(FAIRNESS.id)) {
      for (const name of FAIRNESS.targets.filter(wanted)) {
        const row = await measureFairness(await targets.get(name), upstream);
        fairness.push(row);
        process.stderr.write(`fair ${name}: light mean ${row.light.meanMs.toFixed(0)} ms\n`);
      }
    }
  } finally {
    await stop();
  }

  const report = formatReport(rows, fairness, { seconds, slots: SLOTS, tookSeconds: (Date.now() - started) / 1000 });
  console.log(report);
  const out = process.env['BENCH_RESULTS_DIR'] ? `${process.env['BENCH_RESULTS_DIR'].replace(/\/+$/, '')}/` : here('../../bench/results/');
  mkdirSync(out, { recursive: true });
  writeFileSync(`${out}last-run.md`, `${report}\n`);
  writeFileSync(`${out}last-run.json`, `${JSON.stringify({ rows, fairness, at: new Date().toISOString() }, null, 2)}\n`);
}

await main();
