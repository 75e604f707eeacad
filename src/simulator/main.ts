/**
 * `npm run simulator`: the Talkstack simulator on its own, for trying the upstream protocol
 * by hand or pointing a separately started server (or a benchmark) at it.
 *
 * Settings: SIMULATOR_PORT (default 4010), SIMULATOR_HOST (default 127.0.0.1),
 * SIMULATOR_LATENCY_MS (default 0), SIMULATOR_LIFECYCLE_STEP_MS (default 8000),
 * SIMULATOR_SYNTHETIC_PROJECT (default none: a projectId where every sid matching
 * /^[A-Za-z0-9_-]{1,64}$/ answers a generated call, for any credential; `CAlive…` sids are
 * in progress. For benchmarks that need many distinct calls).
 *
 * Misbehaviour, all off by default (flags after `npm run simulator --` override the variables):
 * SIMULATOR_RATE_LIMIT / --rate-limit=N (requests per second per credential, 1..100000),
 * SIMULATOR_RATE_LIMIT_BURST / --rate-limit-burst=N (default N), SIMULATOR_RATE_LIMIT_HEADERS /
 * --rate-limit-headers (RateLimit-* headers), SIMULATOR_OUTAGE / --outage=off|refuse|500..599,
 * SIMULATOR_HANG / --hang, SIMULATOR_ADMIN / --admin (POST /__admin switches them at run time;
 * loopback SIMULATOR_HOST only). Booleans: true, false, 1, 0.
 */
import { DEMO_API_KEY, DEMO_BEARER_TOKEN, DEMO_PROJECT_ID, DEMO_SAMPLE_SIDS } from './demoData.js';
import { describeMisbehaviour, readSettings, SettingError, type SimulatorSettings } from './settings.js';
import { startSimulator } from './simulator.js';

function fail(message: string): never {
  process.stderr.write(`simulator: ${message}\n`);
  process.exit(1);
}

function settings(): SimulatorSettings {
  try {
    return readSettings(process.env, process.argv.slice(2));
  } catch (error) {
    if (error instanceof SettingError) fail(error.message);
    throw error;
  }
}

const config = settings();
const { port, host, latencyMs, lifecycleStepMs, syntheticProject } = config;

const simulator = await startSimulator(config).catch((error: unknown) =>
  fail(`cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`),
);

const width = Math.max(...DEMO_SAMPLE_SIDS.map((sample) => sample.label.length));
process.stdout.write(
  [
    `Talkstack simulator listening on ${simulator.url} (POST ${simulator.url}/call)`,
    `  x-api-key: ${DEMO_API_KEY}   or   Authorization: Bearer ${DEMO_BEARER_TOKEN}`,
    `  projectId: ${DEMO_PROJECT_ID}   lifecycle step: ${lifecycleStepMs} ms   latency: ${latencyMs} ms`,
    ...(syntheticProject === undefined
      ? []
      : [`  synthetic projectId: ${syntheticProject} (any credential, any sid; sids starting CAlive are in progress)`]),
    ...describeMisbehaviour(config, simulator.url),
    `  live calls: a new one every ${simulator.liveCallSchedule.intervalMs} ms, ${simulator.liveCallSchedule.lifetimeMs} ms from queued to completed; live now: ${
      simulator.liveCalls()[0]?.sid ?? 'none'
    }`,
    '  sample sids:',
    ...DEMO_SAMPLE_SIDS.map((sample) => `    ${sample.label.padEnd(width)}  ${sample.sid}`),
    '',
    `  curl -s ${simulator.url}/call -H 'x-api-key: ${DEMO_API_KEY}' -H 'content-type: application/json' \\`,
    `    -d '{"sid":"${DEMO_SAMPLE_SIDS[0]?.sid ?? ''}","projectId":"${DEMO_PROJECT_ID}"}'`,
    '',
  ].join('\n'),
);

let stopping = false;
function stop(signal: NodeJS.Signals): void {
  // A second signal means "now": don't wait for a slow close.
  if (stopping) process.exit(1);
  stopping = true;
  process.stdout.write(`simulator: ${signal}, closing\n`);
  void simulator.close().then(() => process.exit(0));
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
