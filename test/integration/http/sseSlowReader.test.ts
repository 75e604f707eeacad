/**
 * An SSE client that stops reading (subscriptions/watchCalls.ts, http/backpressure.ts). Yoga
 * writes an SSE stream only as its socket drains, so what waits for a stalled reader is the
 * subscription's unread events, and those are at most one per call: while the reader stalls,
 * 40 calls carrying 100 KB of `data` each change 5 times (20 MB of states), yet when it reads
 * again it gets each call's latest state, not every state in between; the server's memory stays
 * bounded and `/health` answers throughout.
 */
import { type IncomingMessage, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { startStack, type Stack } from '../../support/stack.js';

const SIDS = Array.from({ length: 40 }, (_, i) => `CAsseSlow${i}`);
const QUERY = `subscription S($sids: [ID!]!) { callsUpdates(sids: $sids) { sid data } }`;
const ROUNDS = 5;

describe('an SSE stream whose client stops reading', () => {
  let stack: Stack;
  const setRound = (round: number) =>
    SIDS.forEach((sid) => stack.sim.setCall(DEMO_PROJECT_ID, sid, { status: 'in-progress', data: { transcript: `round${round}`.padEnd(100_000, 'x') } }));
  beforeAll(async () => {
    stack = await startStack({ config: { callPollIntervalMs: 250 } });
    setRound(0);
  });
  afterAll(() => stack?.close());

  it('gets each call\'s latest state when it reads again, not every state it missed; memory bounded, /health answers', { timeout: 30_000 }, async () => {
    const rss = process.memoryUsage().rss;
    const url = new URL(`${stack.url}/graphql`);
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-api-key': DEMO_API_KEY } },
        (res) => {
          // Reads nothing for now: what the server writes fills the socket, then waits in the server.
          res.pause();
          resolve(res);
        },
      );
      req.once('error', reject);
      req.end(JSON.stringify({ query: QUERY, variables: { sids: SIDS } }));
    });
    expect(response.statusCode).toBe(200);
    let slowestHealth = 0;
    const health = async () => {
      const started = performance.now();
      await fetch(`${stack.url}/health`).then((answer) => answer.text());
      slowestHealth = Math.max(slowestHealth, performance.now() - started);
    };
    // Each round: every call changes, and is polled again (the simulator counts the polls).
    for (let round = 1; round <= ROUNDS; round++) {
      const polled = SIDS.map((sid) => stack.sim.stats.bySid.get(sid) ?? 0);
      setRound(round);
      await expect
        .poll(
          async () => {
            await health();
            return SIDS.every((sid, i) => (stack.sim.stats.bySid.get(sid) ?? 0) > (polled[i] as number));
          },
          { timeout: 5000, interval: 50 },
        )
        .toBe(true);
    }
    const grownMb = (process.memoryUsage().rss - rss) / 1e6;

    // Reads again: every call's latest state comes, and few of the states in between.
    let text = '';
    const latest = new Map<string, string>();
    let events = 0;
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      text += chunk;
      for (let end = text.indexOf('\n\n'); end !== -1; end = text.indexOf('\n\n')) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!block.startsWith('event: next') || !data) continue;
        const call = (JSON.parse(data) as { data?: { callsUpdates?: { sid: string; data: { transcript: string } } } }).data?.callsUpdates;
        if (!call) continue;
        events++;
        latest.set(call.sid, call.data.transcript.slice(0, 'round0'.length));
      }
    });
    response.resume();
    await expect.poll(() => SIDS.every((sid) => latest.get(sid) === `round${ROUNDS}`), { timeout: 10_000 }).toBe(true);
    response.destroy();
    process.stderr.write(`[figures] SSE reader stalled through ${ROUNDS} rounds of ${SIDS.length} × 100 KB changes: ${events} events when it read again (${(ROUNDS + 1) * SIDS.length} states in all), RSS +${grownMb.toFixed(0)} MB, slowest /health ${slowestHealth.toFixed(0)} ms\n`);
    // Without the latest-state rule every state waited for it: 240 events.
    expect(events).toBeLessThan(((ROUNDS + 1) * SIDS.length) / 2);
    // Client and server share this process: the bench (npm run bench:attacks) measures the server alone.
    expect(slowestHealth).toBeLessThan(2000);
    expect(grownMb).toBeLessThan(300);
  });
});
