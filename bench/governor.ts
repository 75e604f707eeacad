/**
 * `npm run bench:governor`: what a rate-limited, failing or hanging Talkstack costs a
 * dashboard, for this server and the Apollo baseline side by side (issue 17's table). Each
 * scenario gets a fresh stand-in upstream (the simulator in its own process: a per-key token
 * bucket answering 429 with Retry-After only, an outage switch, a hang switch) and a fresh
 * server; upstream requests and 429s are the simulator's own counts.
 *
 * Scenarios (20 ms upstream latency):
 * - rate limit: 50 requests/s per key (burst 50); one user loads 4 pages of 100 fresh calls,
 *   then 3 more users 2 pages each, one after another, all with the same key;
 * - outage: Talkstack answers 503 to everything for 6 s; a page of 50 fresh calls starts every
 *   300 ms; then it answers again;
 * - hang: Talkstack never answers for 10 s (UPSTREAM_TIMEOUT_MS=1000); the same pages;
 * - stale: a page of 50 live calls loaded while healthy, then again during a 503 outage;
 * - fairness: key A pages 100 fresh calls at a time against its 50/s limit while key B asks
 *   one call every 100 ms.
 *
 * Options (environment): BENCH_GOVERNOR_TARGETS (default "talkstack,apollo-rest"),
 * BENCH_GOVERNOR_SCENARIOS (default all). Prints one Markdown table.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BENCH_KEY, type Upstream, startUpstream, TENANT_KEYS } from './lib/upstream.js';
import { startTarget, type Target } from './targets.js';
import type { TargetName } from './workloads.js';

interface PageResult {
  readonly ms: number;
  readonly rows: number;
  /** rows null with an error */
  readonly failed: number;
  /** rows listed in extensions.stale */
  readonly stale: number;
  readonly codes: Readonly<Record<string, number>>;
}

type Figures = Record<string, string>;

const PAGE_QUERY = 'query Page($sids: [ID!]!) { calls(sids: $sids) { sid status fetchedAt } }';
// The baselines' schema predates fetchedAt.
const BASELINE_PAGE_QUERY = 'query Page($sids: [ID!]!) { calls(sids: $sids) { sid status } }';

let fresh = 0;
/** `count` sids never asked before: the synthetic project answers each with a completed call. */
const freshSids = (count: number, prefix = 'CAgov'): string[] => Array.from({ length: count }, () => `${prefix}${process.pid}x${++fresh}`);

/** A page no answer came for in this long counts as failed whole (a server without an upstream timeout, a hang). */
const PAGE_TIMEOUT_MS = 20_000;

async function page(target: Target, sids: readonly string[], key = BENCH_KEY): Promise<PageResult> {
  const started = performance.now();
  const response = await fetch(`${target.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': key },
    body: JSON.stringify({ query: target.name.startsWith('talkstack') ? PAGE_QUERY : BASELINE_PAGE_QUERY, variables: { sids } }),
    signal: AbortSignal.timeout(PAGE_TIMEOUT_MS),
  }).catch(() => undefined);
  if (!response) return { ms: performance.now() - started, rows: sids.length, failed: sids.length, stale: 0, codes: { 'no answer': 1 } };
  const body = (await response.json()) as {
    data?: { calls?: unknown[] } | null;
    errors?: { path?: unknown[]; extensions?: { code?: string } }[];
    extensions?: { stale?: unknown[] };
  };
  const ms = performance.now() - started;
  const rows = body.data?.calls ?? [];
  const codes: Record<string, number> = {};
  for (const error of body.errors ?? []) {
    const code = error.extensions?.code ?? 'none';
    codes[code] = (codes[code] ?? 0) + 1;
  }
  return { ms, rows: sids.length, failed: rows.length === 0 ? sids.length : rows.filter((row) => row === null).length, stale: body.extensions?.stale?.length ?? 0, codes };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const percent = (part: number, whole: number) => `${whole === 0 ? 0 : Math.round((100 * part) / whole)} %`;
const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);

async function rateLimit(target: Target, upstream: Upstream): Promise<Figures> {
  await upstream.misbehave({ rateLimit: { perSecond: 50, burst: 50 } });
  await upstream.reset();
  const pages: PageResult[] = [];
  for (let i = 0; i < 4; i++) pages.push(await page(target, freshSids(100)));
  for (let user = 0; user < 3; user++) for (let i = 0; i < 2; i++) pages.push(await page(target, freshSids(100)));
  const stats = await upstream.stats();
  const calls = pages.length * 100;
  const failed = pages.reduce((sum, result) => sum + result.failed, 0);
  return {
    'rows failed': percent(failed, calls),
    'upstream requests': `${stats.requests} for ${calls} calls (${(stats.requests / calls).toFixed(2)}×)`,
    "429s": `${stats.rateLimited} (${percent(stats.rateLimited, calls)} of calls)`,
    'slowest page after the first': seconds(Math.max(...pages.slice(1).map((result) => result.ms))),
  };
}

/** Pages of 50 fresh calls every 300 ms while `during` runs, then until one comes back whole. */
async function pagesThrough(target: Target, upstream: Upstream, start: () => Promise<void>, stop: () => Promise<void>, lastsMs: number): Promise<Figures> {
  await upstream.reset();
  await start();
  const started = performance.now();
  const running: Promise<PageResult>[] = [];
  while (performance.now() - started < lastsMs) {
    running.push(page(target, freshSids(50)));
    await sleep(300);
  }
  const during = await Promise.all(running);
  const requestsDuring = (await upstream.stats()).requests;
  await stop();
  const back = performance.now();
  let wholeAfter = Infinity;
  while (performance.now() - back < 15_000) {
    const result = await page(target, freshSids(50));
    if (result.failed === 0) {
      wholeAfter = performance.now() - back;
      break;
    }
    await sleep(100);
  }
  const asked = during.length * 50;
  return {
    'upstream requests': `${requestsDuring} for ${asked} calls asked (${(requestsDuring / asked).toFixed(2)}×)`,
    'mean page': `${mean(during.map((result) => result.ms)).toFixed(0)} ms`,
    'slowest page': seconds(Math.max(...during.map((result) => result.ms))),
    'whole again after': Number.isFinite(wholeAfter) ? seconds(wholeAfter) : 'never (15 s)',
  };
}

const outage = (target: Target, upstream: Upstream) =>
  pagesThrough(
    target,
    upstream,
    () => upstream.misbehave({ outage: 503 }),
    () => upstream.misbehave({ outage: 'off' }),
    6000,
  );

const hang = (target: Target, upstream: Upstream) =>
  pagesThrough(
    target,
    upstream,
    async () => upstream.misbehave({ hang: true }),
    async () => upstream.misbehave({ hang: false }),
    10_000,
  );

async function stale(target: Target, upstream: Upstream): Promise<Figures> {
  const live = Array.from({ length: 50 }, (_, i) => `CAlive${process.pid}s${i}`);
  const healthy = await page(target, live);
  await upstream.misbehave({ outage: 503 });
  const during = await page(target, live);
  await upstream.misbehave({ outage: 'off' });
  return {
    'healthy page': `${healthy.rows - healthy.failed}/${healthy.rows} rows`,
    'during the outage': `${during.rows - during.failed}/${during.rows} rows answered, ${during.stale} listed in extensions.stale`,
  };
}

async function fairness(target: Target, upstream: Upstream): Promise<Figures> {
  await upstream.misbehave({ rateLimit: { perSecond: 50, burst: 50 } });
  let paging = true;
  const heavy = (async () => {
    while (paging) await page(target, freshSids(100), TENANT_KEYS.heavy);
  })();
  await sleep(500);
  const light: number[] = [];
  for (let i = 0; i < 40; i++) {
    light.push((await page(target, freshSids(1), TENANT_KEYS.light)).ms);
    await sleep(100);
  }
  paging = false;
  await heavy;
  const sorted = [...light].sort((a, b) => a - b);
  return { 'key B p50': `${(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(0)} ms`, 'key B p95': `${(sorted[Math.floor(sorted.length * 0.95)] ?? 0).toFixed(0)} ms` };
}

const SCENARIOS = { rateLimit, outage, hang, stale, fairness } as const;
type ScenarioName = keyof typeof SCENARIOS;

/** Server settings per scenario (this server only). */
const SERVER_ENV: Partial<Record<ScenarioName, Record<string, string>>> = { hang: { UPSTREAM_TIMEOUT_MS: '1000' } };

const list = (name: string, fallback: string) => (process.env[name]?.trim() || fallback).split(',').map((item) => item.trim());
const targets = list('BENCH_GOVERNOR_TARGETS', 'talkstack,apollo-rest') as TargetName[];
const scenarios = list('BENCH_GOVERNOR_SCENARIOS', Object.keys(SCENARIOS).join(',')) as ScenarioName[];

const rows: string[] = [];
for (const scenario of scenarios) {
  for (const name of targets) {
    const upstream = await startUpstream();
    await upstream.setLatency(20);
    const target = await startTarget(name, upstream, { serverEnv: SERVER_ENV[scenario] ?? {} });
    try {
      const figures = await SCENARIOS[scenario](target, upstream);
      const text = Object.entries(figures)
        .map(([label, value]) => `${label}: ${value}`)
        .join('; ');
      rows.push(`| ${scenario} | ${name} | ${text} |`);
      process.stderr.write(`${scenario} ${name}: ${text}\n`);
    } finally {
      await target.stop();
      await upstream.close();
    }
  }
}
process.stdout.write(['', '| scenario | server | measured |', '|---|---|---|', ...rows, ''].join('\n'));
