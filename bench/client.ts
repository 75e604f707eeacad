/**
 * `npm run bench:client`: the Talkstack client alone, CPU per upstream call, next to the bare
 * ways of making the same POST, against the bench upstream in a process of its own (so the
 * CPU measured is the client's only). Rows, measured in the same run, best of three rounds:
 *
 *   talkstack client   this project's client: fair scheduler slot, undici dispatch, one timer,
 *                      body cap, classification, zod decoding
 *   undici request     `Pool#request` + `body.json()`, nothing else
 *   node:http          a keep-alive `http.Agent`, body collected and parsed
 *   fetch              Node's global fetch (undici's fetch), `response.json()`
 *   ky                 ky 1 over that fetch, set up as the dashboards' request helper
 *                      (examples/graphqlRequest.ts): timeout, POST retries of 502/503/504,
 *                      the credential from a beforeRequest hook; `.json()`. ky − fetch is
 *                      ky's own work per request, printed under the table
 *
 * BENCH_CALLS (default 20000) calls per round (each round bounded to 2 minutes as well),
 * BENCH_CONCURRENCY (default 64) in flight.
 * Compare ratios, not absolute numbers: these machines are shared.
 */
import http from 'node:http';
import ky from 'ky';
import { Pool } from 'undici';
import { createTalkstackClient } from '../src/talkstack/client.js';
import { makeCredential } from '../src/identity/credential.js';
import { UpstreamScheduler } from '../src/talkstack/scheduler.js';
import { runWorkers } from './lib/workerLoop.js';
import { BENCH_KEY, BENCH_PROJECT, startUpstream } from './lib/upstream.js';

const calls = Number(process.env['BENCH_CALLS'] ?? 20_000);
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 64);
const rounds = 3;
/** A bound on each round, far above what 20000 calls take. */
const ROUND_SECONDS = 120;

const upstream = await startUpstream();
const credential = makeCredential(undefined, BENCH_KEY);
if (!credential) throw new Error('no credential');
const client = createTalkstackClient({
  baseUrl: upstream.url,
  timeoutMs: 5000,
  retries: 2,
  maxBodyBytes: 262_144,
  scheduler: new UpstreamScheduler(concurrency),
});
const pool = new Pool(upstream.url, { connections: concurrency });
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const headers = { 'content-type': 'application/json', 'x-api-key': BENCH_KEY };
const bodyOf = (sid: string) => JSON.stringify({ sid, projectId: BENCH_PROJECT });
// As examples/graphqlRequest.ts's kyOptions (not imported: the bench builds without examples/).
const kyClient = ky.create({
  method: 'post',
  timeout: 10_000,
  retry: { limit: 2, methods: ['post', 'get'], statusCodes: [502, 503, 504], afterStatusCodes: [502, 503, 504], maxRetryAfter: 10_000, backoffLimit: 2000 },
  headers: { 'content-type': 'application/json' },
  hooks: { beforeRequest: [(request) => void request.headers.set('x-api-key', BENCH_KEY)] },
});

const ways: Record<string, (sid: string) => Promise<unknown>> = {
  'talkstack client': (sid) => client.fetchCall({ sid, projectId: BENCH_PROJECT }, credential),
  'undici request': async (sid) => (await pool.request({ path: '/call', method: 'POST', headers, body: bodyOf(sid) })).body.json(),
  'node:http': (sid) =>
    new Promise((resolve, reject) => {
      const body = bodyOf(sid);
      const request = http.request(
        `${upstream.url}/call`,
        { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
        },
      );
      request.on('error', reject);
      request.end(body);
    }),
  fetch: async (sid) => (await fetch(`${upstream.url}/call`, { method: 'POST', headers, body: bodyOf(sid) })).json(),
  ky: (sid) => kyClient(`${upstream.url}/call`, { body: bodyOf(sid) }).json(),
};

async function measure(fetchOne: (sid: string) => Promise<unknown>) {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  // 500 distinct sids, cycled: every call is a real upstream request (nothing caches here).
  const made = await runWorkers({
    workers: concurrency,
    maxOperations: calls,
    seconds: ROUND_SECONDS,
    operation: async (n) => void (await fetchOne(`CAclient${n % 500}`)),
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { perSecond: Math.round(made / seconds), cpuMicrosPerCall: (cpu.user + cpu.system) / made };
}

const best: Record<string, { perSecond: number; cpuMicrosPerCall: number }> = {};
for (let round = 0; round < rounds; round++) {
  for (const [name, way] of Object.entries(ways)) {
    const result = await measure(way);
    const previous = best[name];
    if (!previous || result.cpuMicrosPerCall < previous.cpuMicrosPerCall) best[name] = result;
  }
}
const floor = best['undici request']?.cpuMicrosPerCall ?? 1;
console.log(`${calls} calls per round, ${concurrency} in flight, best of ${rounds} rounds (client process CPU only)`);
console.log('| client | calls/s | CPU µs/call | vs undici request |');
console.log('|---|---:|---:|---:|');
for (const [name, row] of Object.entries(best)) {
  console.log(`| ${name} | ${row.perSecond.toLocaleString('en-US')} | ${row.cpuMicrosPerCall.toFixed(0)} | ${(row.cpuMicrosPerCall / floor).toFixed(2)}× |`);
}
const kyOwn = (best['ky']?.cpuMicrosPerCall ?? 0) - (best['fetch']?.cpuMicrosPerCall ?? 0);
console.log(`\nky's own work over fetch: ${kyOwn.toFixed(0)} µs/call (${(kyOwn / floor).toFixed(2)}× a whole undici request)`);
await client.close();
await pool.close();
agent.destroy();
await upstream.close();
