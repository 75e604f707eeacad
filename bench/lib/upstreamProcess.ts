/**
 * The bench upstream's own process (forked by upstream.ts): the Talkstack simulator answering
 * any sid of the bench project with a synthetic call (`CAlive…` sids are live calls), for the
 * demo key and for the fairness workload's two tenants.
 *
 * Messages in: {id, op: 'latency', ms} | {id, op: 'reset'} | {id, op: 'stats'} | {id, op: 'close'}
 * | {id, op: 'misbehave', rateLimit?, outage?, hang?} (the simulator's switches: a per-key rate
 * limit, an outage, a hang); each is answered with {id, ...result}. The first message out is
 * {ready: url}.
 */
import { type OutageMode, type RateLimitOptions, startSimulator } from '../../src/simulator/index.js';
import { BENCH_PROJECT, TENANT_KEYS } from './upstream.js';

type Command = { id: number } & (
  | { op: 'latency'; ms: number }
  | { op: 'reset' }
  | { op: 'stats' }
  | { op: 'close' }
  | { op: 'misbehave'; rateLimit?: RateLimitOptions | null; outage?: OutageMode; hang?: boolean }
);

const sim = await startSimulator({ port: 0, host: '127.0.0.1', syntheticProject: BENCH_PROJECT, seedDemo: true });
for (const [name, key] of Object.entries(TENANT_KEYS)) sim.addAccount(name, { apiKeys: [key] });

const send = (message: object) => process.send?.(message);

process.on('message', (message: Command) => {
  switch (message.op) {
    case 'latency':
      sim.setLatency(message.ms);
      send({ id: message.id });
      break;
    case 'reset':
      sim.resetStats();
      send({ id: message.id });
      break;
    case 'stats':
      send({ id: message.id, requests: sim.stats.requests, maxInFlight: sim.stats.maxInFlight, inFlight: sim.stats.inFlight, rateLimited: sim.stats.rateLimited });
      break;
    case 'misbehave':
      if (message.rateLimit !== undefined) sim.setRateLimit(message.rateLimit ?? undefined);
      if (message.hang !== undefined) sim.setHang(message.hang);
      void (message.outage === undefined ? Promise.resolve() : sim.setOutage(message.outage)).then(() => send({ id: message.id }));
      break;
    case 'close':
      void sim.close().then(() => {
        send({ id: message.id });
        process.exit(0);
      });
      break;
  }
});
// The runner going away (even killed) must not leave this process behind.
process.on('disconnect', () => process.exit(0));
send({ ready: sim.url });
