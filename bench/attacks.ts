/**
 * `npm run bench:attacks`: issue 18's red-team table, replayed at full size against the
 * compiled server in a process of its own (its RSS, CPU time and stderr are its alone), with
 * the Talkstack simulator and the attacker in this process. Each attack gets a fresh server;
 * while it runs, `/health` is asked every 100 ms and the server's RSS sampled. Prints one
 * Markdown table: what was sent, what the server answered, its RSS growth, the slowest
 * `/health`, and the figure each row is about.
 *
 * The tests under test/integration hold each row at a smaller size within `npm test`; this is
 * the size the red team used. Every loop is bounded in count and time.
 *
 * Options (environment): BENCH_ATTACKS (comma-separated names; default all),
 * BENCH_ATTACKS_PROFILE (a directory: each server writes a CPU profile there).
 */
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { DEMO_API_KEY, DEMO_BEARER_TOKEN, DEMO_PROJECT_ID, type Simulator, startSimulator } from '../src/simulator/index.js';
import { startHealthProbe } from './lib/healthProbe.js';
import { cpuMs, readRssBytes, sampleRssPeak } from './lib/procStats.js';
import { inheritedEnv, SERVER_ENTRY, type ServerProcess, startServerProcess } from './lib/serverProcess.js';

const SYNTHETIC = 'attack-project';
const LARGE_DATA = 240_000;
const MB = 1024 * 1024;

interface Row {
  attack: string;
  outcome: string;
  rssGrowthMb: number;
  slowestHealthMs: number;
  figure: string;
}

let fresh = 0;
const freshSids = (count: number) => Array.from({ length: count }, () => `CAatk${process.pid}x${++fresh}`);

async function startServer(sim: Simulator, env: Record<string, string> = {}): Promise<ServerProcess> {
  return startServerProcess({
    name: 'talkstack',
    entry: SERVER_ENTRY,
    // BENCH_ATTACKS_PROFILE=<dir>: a CPU profile of each server, written there when it stops.
    flags: process.env['BENCH_ATTACKS_PROFILE'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_ATTACKS_PROFILE']}`] : [],
    env: inheritedEnv({
      NODE_ENV: 'production',
      TALKSTACK_DEMO: '0',
      TALKSTACK_API_URL: sim.url,
      TALKSTACK_PROJECT_ID: SYNTHETIC,
      LOG_LEVEL: 'warn',
      ...env,
    }),
  });
}

/** Runs `attack` against a fresh server, then stops it and puts the simulator's latency back to 0, whatever happened. */
async function onServer<T>(sim: Simulator, env: Record<string, string>, attack: (server: ServerProcess) => Promise<T>): Promise<T> {
  const server = await startServer(sim, env);
  try {
    return await attack(server);
  } finally {
    sim.setLatency(0);
    await server.stop();
  }
}

/**
 * While `attack` runs: the server's RSS peak over its RSS before, its CPU time, and the slowest
 * `/health` (asked from a process of its own: the attacker's work here never counts).
 */
async function measured<T>(server: ServerProcess, attack: () => Promise<T>): Promise<{ result: T; rssGrowthMb: number; slowestHealthMs: number; cpuMs: number }> {
  const probe = startHealthProbe(server.url);
  const before = readRssBytes(server.pid) ?? 0;
  const cpuBefore = cpuMs(server.pid);
  const peak = sampleRssPeak(server.pid, 50);
  try {
    await probe.slowestMs();
    const result = await attack();
    return { result, rssGrowthMb: (peak.stop() - before) / MB, slowestHealthMs: await probe.slowestMs(), cpuMs: cpuMs(server.pid) - cpuBefore };
  } finally {
    peak.stop();
    probe.stop();
  }
}

function setLargeCalls(sim: Simulator, count: number, status = 'in-progress'): string[] {
  const sids = Array.from({ length: count }, (_, i) => `CAlarge${i}`);
  sids.forEach((sid, i) => sim.setCall(DEMO_PROJECT_ID, sid, { status, seconds: 3, cost: 0.1, data: { transcript: `${i}`.padEnd(LARGE_DATA, 'x') } }));
  return sids;
}

/** A graphql-ws socket past `connection_ack`, credential in its payload. */
async function openGraphqlWs(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  const socket = new WebSocket(url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws', { headers });
  socket.on('error', () => undefined);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { 'x-api-key': DEMO_API_KEY } }));
  await new Promise((resolve) => socket.once('message', resolve));
  return socket;
}

const rawSocketOf = (socket: WebSocket) => (socket as unknown as { _socket: Socket })._socket;

async function metric(server: ServerProcess, name: string): Promise<number> {
  const text = await fetch(`${server.url}/metrics`).then((response) => response.text());
  // Summed over its labels (e.g. one line per transport).
  const lines = text.split('\n').filter((candidate) => candidate.startsWith(`${name} `) || candidate.startsWith(`${name}{`));
  return lines.length === 0 ? Number.NaN : lines.reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

type Attack = (sim: Simulator) => Promise<Row>;

const ATTACKS: Record<string, Attack> = {
  async slowWebSocket(sim) {
    const large = setLargeCalls(sim, 100);
    return onServer(sim, { CALL_POLL_INTERVAL_MS: '60000', METRICS: 'true' }, async (server) => {
      const { result, rssGrowthMb, slowestHealthMs } = await measured(server, async () => {
        const socket = await openGraphqlWs(server.url);
        const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
        rawSocketOf(socket).pause();
        // 2,500 operations with large answers: subscriptions and queries, half each.
        for (let i = 0; i < 2500; i++) {
          const sid = large[i % large.length] as string;
          const query =
            i % 2 === 0
              ? `subscription { callUpdates(sid: "${sid}", projectId: "${DEMO_PROJECT_ID}") { sid data } }`
              : `{ calls(sids: ["${sid}"], projectId: "${DEMO_PROJECT_ID}") { sid data } }`;
          socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query } }));
        }
        // Paused for 8 s: the server gets to send (or close) what it will meanwhile.
        let opened = 0;
        for (const deadline = Date.now() + 8000; Date.now() < deadline; await sleep(200)) {
          opened = Math.max(opened, await metric(server, 'talkstack_subscriptions_active'));
        }
        rawSocketOf(socket).resume();
        const code = await Promise.race([closed, sleep(30_000).then(() => -1)]);
        socket.terminate();
        return { code, opened, open: await metric(server, 'talkstack_subscriptions_active') };
      });
      return {
        attack: 'a WebSocket that stops reading, then 2,500 operations with 240 KB answers',
        outcome: `closed with ${result.code} past 16 MiB unsent; ${result.opened} subscriptions had opened, ${result.open} left open`,
        rssGrowthMb,
        slowestHealthMs,
        figure: `RSS +${rssGrowthMb.toFixed(0)} MB (was 128 → 2,053 MB), /health ${slowestHealthMs.toFixed(0)} ms (was 4.2 s)`,
      };
    });
  },

  async pipelinedThenGone(sim) {
    sim.setLatency(200);
    return onServer(sim, { METRICS: 'true' }, async (server) => {
      const { result, rssGrowthMb, slowestHealthMs } = await measured(server, async () => {
        const url = new URL(server.url);
        const socket = connect(Number(url.port), url.hostname);
        socket.on('error', () => undefined);
        await new Promise((resolve) => socket.once('connect', resolve));
        for (let i = 0; i < 100; i++) {
          const body = JSON.stringify({ query: 'query P($sids: [ID!]!) { calls(sids: $sids) { sid } }', variables: { sids: freshSids(500) } });
          socket.write(
            `POST /graphql HTTP/1.1\r\nHost: ${url.host}\r\ncontent-type: application/json\r\naccept: application/json\r\nx-api-key: ${DEMO_API_KEY}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
          );
        }
        await sleep(500);
        socket.destroy();
        const left = sim.stats.requests;
        // A second for what was in flight to finish; from then on nothing more may go.
        await sleep(1000);
        const settled = sim.stats.requests;
        const waiting = await metric(server, 'talkstack_upstream_waiting');
        await sleep(3000);
        return { atLeave: left, finishing: settled - left, waiting, after: sim.stats.requests - settled };
      });
      return {
        attack: '100 pipelined POSTs of 500 slow sids on one connection, then a disconnect',
        outcome: `${result.atLeave} upstream requests while connected, ${result.finishing} finishing in the second after`,
        rssGrowthMb,
        slowestHealthMs,
        figure: `${result.waiting} upstream calls waiting 1 s after the client left, ${result.after} requests sent in the 3 s after that (was 48,600 still queued after 40 s)`,
      };
    });
  },

  async webSocketFlood(sim) {
    sim.setLatency(50);
    return onServer(sim, { METRICS: 'true' }, async (server) => {
      const { result, rssGrowthMb, slowestHealthMs } = await measured(server, async () => {
        const socket = await openGraphqlWs(server.url);
        const codes = new Map<string, number>();
        socket.on('message', (raw: Buffer) => {
          const message = JSON.parse(raw.toString()) as { type: string; payload?: { errors?: { extensions?: { code?: string } }[] } | { extensions?: { code?: string } }[] };
          const errors = Array.isArray(message.payload) ? message.payload : (message.payload?.errors ?? []);
          for (const error of errors) codes.set(error.extensions?.code ?? '?', (codes.get(error.extensions?.code ?? '?') ?? 0) + 1);
        });
        const started = performance.now();
        for (let i = 0; i < 200; i++) {
          socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: `{ calls(sids: ${JSON.stringify(freshSids(500))}) { sid } }` } }));
        }
        const sentMs = performance.now() - started;
        let mostWaiting = 0;
        for (let i = 0; i < 20; i++) {
          mostWaiting = Math.max(mostWaiting, await metric(server, 'talkstack_upstream_waiting'));
          await sleep(100);
        }
        socket.terminate();
        await sleep(1000);
        const requestsAtClose = sim.stats.requests;
        await sleep(2000);
        return { sentMs, mostWaiting, refused: codes.get('TOO_MANY_REQUESTS') ?? 0, afterClose: sim.stats.requests - requestsAtClose, waitingAfter: await metric(server, 'talkstack_upstream_waiting') };
      });
      return {
        attack: `one WebSocket, 200 messages of 500 fresh sids in ${result.sentMs.toFixed(0)} ms`,
        outcome: `${result.refused} entries TOO_MANY_REQUESTS; after it closed: ${result.afterClose} upstream requests, ${result.waitingAfter} waiting`,
        rssGrowthMb,
        slowestHealthMs,
        figure: `at most ${result.mostWaiting} upstream calls waiting (MAX_WAITING_CALLS_PER_TENANT 5000; was 99,900), RSS +${rssGrowthMb.toFixed(0)} MB (was +477)`,
      };
    });
  },

  async repeatedSelections(sim) {
    return onServer(sim, {}, async (server) => {
      const post = (query: string, key = DEMO_API_KEY) =>
        fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': key },
          body: JSON.stringify({ query }),
        }).then((response) => response.status);
      const hostile = (n: number) => `query Q${n} { calls(sids: ["CA${n}"]) { sid ${'recordings { url } '.repeat(440)} } }`;
      const plain = (n: number) => `query Q${n} { calls(sids: ["CAplain${n}"]) { sid status } }`;
      // /proc counts CPU in 10 ms ticks: the mean over 200 requests, one after another.
      const cpuPer = async (document: (n: number) => string) => {
        const before = cpuMs(server.pid);
        for (let i = 0; i < 200; i++) await post(document(++fresh));
        return (cpuMs(server.pid) - before) / 200;
      };
      const [hostileCpu, plainCpu, status] = [await cpuPer(hostile), await cpuPer(plain), await post(hostile(++fresh))];
      const lightP50 = async () => {
        const times: number[] = [];
        for (let i = 0; i < 20; i++) {
          const started = performance.now();
          await post(plain(++fresh));
          times.push(performance.now() - started);
        }
        return median(times);
      };
      const quiet = await lightP50();
      const { result, rssGrowthMb, slowestHealthMs } = await measured(server, async () => {
        let attacking = true;
        const attackers = Array.from({ length: 4 }, async () => {
          for (let i = 0; attacking && i < 2000; i++) await post(hostile(++fresh));
        });
        const underAttack = await lightP50();
        attacking = false;
        await Promise.all(attackers);
        return underAttack;
      });
      return {
        attack: 'unique 7 KB documents repeating `recordings { url }` 440 times; 4 clients in a loop',
        outcome: `HTTP ${status} (MAX_SELECTIONS)`,
        rssGrowthMb,
        slowestHealthMs,
        figure: `server CPU ${hostileCpu.toFixed(1)} ms per such request vs ${plainCpu.toFixed(1)} ms for a plain one (was 360 vs 10); a light tenant's p50 ${result.toFixed(0)} ms under attack vs ${quiet.toFixed(0)} ms quiet (was 1.24 s)`,
      };
    });
  },

  async largeDuplicates(sim) {
    const [sid] = setLargeCalls(sim, 1, 'completed');
    return onServer(sim, {}, async (server) => {
      const { result, rssGrowthMb, slowestHealthMs } = await measured(server, async () => {
        const sizes = await Promise.all(
          Array.from({ length: 8 }, () =>
            fetch(`${server.url}/graphql`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': DEMO_API_KEY },
              body: JSON.stringify({ query: `{ calls(sids: ${JSON.stringify(Array(1000).fill(sid))}, projectId: "${DEMO_PROJECT_ID}") { sid data } }` }),
            }).then(async (response) => Buffer.byteLength(await response.text())),
          ),
        );
        return Math.max(...sizes);
      });
      return {
        attack: '8 × `calls(sids: 1000 × one sid)` whose call carries 240 KB of `data`, at once',
        outcome: `each cut at MAX_RESPONSE_BYTES with RESPONSE_TOO_LARGE`,
        rssGrowthMb,
        slowestHealthMs,
        figure: `largest answer ${(result / MB).toFixed(1)} MB (was 249 MB), RSS +${rssGrowthMb.toFixed(0)} MB (was 5.2 GB)`,
      };
    });
  },

  async junkHeaders(sim) {
    sim.setCall(DEMO_PROJECT_ID, 'CAwatched', { status: 'in-progress', seconds: 3, cost: 0.1 });
    return onServer(sim, { CALL_POLL_INTERVAL_MS: '1000' }, async (server) => {
      const { result, rssGrowthMb, slowestHealthMs } = await measured(server, async () => {
        const controllers: AbortController[] = [];
        const statuses = await Promise.all(
          Array.from({ length: 150 }, async (_, i) => {
            const controller = new AbortController();
            controllers.push(controller);
            const response = await fetch(`${server.url}/graphql`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${DEMO_BEARER_TOKEN}`, 'x-api-key': `junk-${i}` },
              body: JSON.stringify({ query: `subscription { callUpdates(sid: "CAwatched", projectId: "${DEMO_PROJECT_ID}") { sid status } }` }),
              signal: controller.signal,
            });
            // The first event says which: the call, or the cap's error.
            const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
            let text = '';
            while (reader && !/event: next\ndata: [^\n]*\n/.test(text)) {
              const { value, done } = await reader.read();
              if (done) break;
              text += value;
            }
            return text.includes('TOO_MANY') ? 'refused' : text.includes('"callUpdates":{') ? 'accepted' : (/"code":"(\w+)"/.exec(text)?.[1] ?? 'no answer');
          }),
        );
        const before = sim.stats.bySid.get('CAwatched') ?? 0;
        await sleep(2000);
        const polls = ((sim.stats.bySid.get('CAwatched') ?? 0) - before) / 2;
        for (const controller of controllers) controller.abort();
        const others = statuses.filter((status) => status !== 'accepted' && status !== 'refused');
        return { accepted: statuses.filter((status) => status === 'accepted').length, refused: statuses.filter((status) => status === 'refused').length, others: [...new Set(others)].join(', '), polls };
      });
      return {
        attack: '150 `callUpdates` with one valid `Authorization` and a different junk `x-api-key` each',
        outcome: `${result.accepted} accepted, ${result.refused} refused (MAX_SUBSCRIPTIONS_PER_CREDENTIAL 100 per credential value)${result.others ? `; others: ${result.others}` : ''}`,
        rssGrowthMb,
        slowestHealthMs,
        figure: `${result.polls.toFixed(0)} upstream polls per interval for the call (was 150, all accepted)`,
      };
    });
  },

  async resetWebSocket(sim) {
    sim.setLatency(100);
    return onServer(sim, {}, async (server) => {
      const stderrBefore = server.stderr().length;
      const { result, rssGrowthMb, slowestHealthMs } = await measured(server, async () => {
        const socket = await openGraphqlWs(server.url);
        for (let i = 0; i < 300; i++) socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: `{ calls(sids: ${JSON.stringify(freshSids(5))}) { sid } }` } }));
        await sleep(150);
        rawSocketOf(socket).resetAndDestroy();
        await sleep(1500);
        const lines = server.stderr().slice(stderrBefore).split('\n').filter(Boolean);
        return { lines: lines.length, notJson: lines.filter((line) => !line.startsWith('{')).length };
      });
      return {
        attack: '300 queries on a WebSocket, then a TCP reset',
        outcome: `${result.lines} stderr lines`,
        rssGrowthMb,
        slowestHealthMs,
        figure: `${result.notJson} lines of stack traces or other non-JSON on stderr (was 23 multi-line traces)`,
      };
    });
  },

  async foreignHost(sim) {
    return onServer(sim, { ALLOWED_HOSTS: 'localhost,127.0.0.1', TALKSTACK_API_KEY: DEMO_API_KEY }, async (server) => {
      const { result, rssGrowthMb, slowestHealthMs } = await measured(server, async () => {
        const url = new URL(server.url);
        const socket = new WebSocket(`ws://${url.host}/graphql`, 'graphql-transport-ws', { headers: { host: 'evil.example', origin: 'http://evil.example' } });
        return await new Promise<string>((resolve) => {
          socket.once('unexpected-response', (_request, response) => resolve(`HTTP ${response.statusCode}`));
          socket.once('open', () => resolve('accepted'));
          socket.once('error', (error) => resolve(error.message));
        });
      });
      return {
        attack: 'a `Host: evil.example` WebSocket upgrade with a matching `Origin` (ALLOWED_HOSTS set)',
        outcome: result,
        rssGrowthMb,
        slowestHealthMs,
        figure: `${result} (was accepted)`,
      };
    });
  },
};

const chosen = (process.env['BENCH_ATTACKS'] ?? Object.keys(ATTACKS).join(',')).split(',').map((name) => name.trim());
const unknown = chosen.filter((name) => !(name in ATTACKS));
if (unknown.length > 0) throw new Error(`unknown attack(s) ${unknown.join(', ')}; known: ${Object.keys(ATTACKS).join(', ')}`);

const sim = await startSimulator({ port: 0, host: '127.0.0.1', syntheticProject: SYNTHETIC, seedDemo: true });
const rows: Row[] = [];
try {
  for (const name of chosen) {
    process.stderr.write(`[attacks] ${name}…\n`);
    const row = await (ATTACKS[name] as Attack)(sim);
    process.stderr.write(`[attacks] ${name}: ${row.figure}\n`);
    rows.push(row);
  }
} finally {
  await sim.close();
}
console.log('| what one client sent | what the server answered | RSS growth | slowest /health | figure |');
console.log('|---|---|---|---|---|');
for (const row of rows) console.log(`| ${row.attack} | ${row.outcome} | +${row.rssGrowthMb.toFixed(0)} MB | ${row.slowestHealthMs.toFixed(0)} ms | ${row.figure} |`);
