/**
 * The Talkstack client alone against the simulator on loopback: calls per second and CPU
 * per call, next to a bare node:http keep-alive request (the floor any client pays). Run:
 * `npm run bench` (BENCH_CALLS, default 6000; BENCH_CONCURRENCY, default 64). Both rows are
 * measured in the same run, three rounds each; compare their ratio, not absolute numbers:
 * these machines are shared. CPU includes the in-process simulator's share (the same for
 * both rows).
 */
import http from 'node:http';
import { DEMO_API_KEY, DEMO_CALLS, DEMO_PROJECT_ID, startSimulator } from '../src/simulator/index.js';
import { createTalkstackClient } from '../src/talkstack/client.js';
import { makeCredential } from '../src/talkstack/credentials.js';
import { UpstreamScheduler } from '../src/talkstack/scheduler.js';

const calls = Number(process.env['BENCH_CALLS'] ?? 6000);
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 64);
const rounds = 3;

const sim = await startSimulator({});
const sids = DEMO_CALLS.map((call) => call.sid);
const credential = makeCredential(undefined, DEMO_API_KEY);
if (!credential) throw new Error('no credential');
const client = createTalkstackClient({ baseUrl: sim.url, timeoutMs: 5000, retries: 2, maxBodyBytes: 262144, scheduler: new UpstreamScheduler(concurrency) });
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

function bareRequest(sid: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ sid, projectId: DEMO_PROJECT_ID });
    const request = http.request(
      `${sim.url}/call`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-api-key': DEMO_API_KEY } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function measure(fetchOne: (sid: string) => Promise<unknown>) {
  let next = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) await fetchOne(sids[next++ % sids.length] as string);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { perSecond: Math.round(calls / seconds), cpuMicrosPerCall: Math.round((cpu.user + cpu.system) / calls) };
}

const rows: Record<string, { perSecond: number; cpuMicrosPerCall: number }[]> = { client: [], bare: [] };
for (let round = 0; round < rounds; round++) {
  rows['client']?.push(await measure((sid) => client.fetchCall({ sid, projectId: DEMO_PROJECT_ID }, credential)));
  rows['bare']?.push(await measure(bareRequest));
}
const best = (name: string) => (rows[name] ?? []).reduce((a, b) => (b.cpuMicrosPerCall < a.cpuMicrosPerCall ? b : a));
const clientBest = best('client');
const bareBest = best('bare');
console.log(`${calls} calls, concurrency ${concurrency}, best of ${rounds} rounds`);
console.log(`  talkstack client  ${clientBest.perSecond} calls/s  ${clientBest.cpuMicrosPerCall} µs CPU/call`);
console.log(`  bare node:http    ${bareBest.perSecond} calls/s  ${bareBest.cpuMicrosPerCall} µs CPU/call`);
console.log(`  client / bare CPU ${(clientBest.cpuMicrosPerCall / bareBest.cpuMicrosPerCall).toFixed(2)}×`);
client.close();
agent.destroy();
await sim.close();
