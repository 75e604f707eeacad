/**
 * Demo mode: the built-in simulator becomes the upstream, and its demo key and project
 * become the defaults, so GraphiQL works with no account, header or setting.
 */
import type { Config } from './config.js';
import {
  DEMO_API_KEY,
  DEMO_PROJECT_ID,
  DEMO_SAMPLE_SIDS,
  type RollingLiveCall,
  type RollingSchedule,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from './simulator/index.js';

export interface DemoUpstream {
  simulator: Simulator;
  /** the configuration pointed at the simulator */
  config: Config;
  /**
   * GraphiQL's document, built at each page load: live calls come and go, so a document
   * written at start-up would only show finished ones a minute later.
   */
  graphiqlDefaultQuery: () => string;
  /** lines for the start-up banner */
  banner: string[];
}

/** `simulator` is for tests (an injected clock, a short lifecycle step); demo mode uses the defaults. */
export async function startDemoUpstream(config: Config, simulatorOptions: SimulatorOptions = {}): Promise<DemoUpstream> {
  const simulator = await startSimulator({ ...simulatorOptions, port: 0, host: '127.0.0.1' });
  const demoConfig: Config = {
    ...config,
    talkstackApiUrl: simulator.url,
    talkstackApiKey: config.talkstackApiKey ?? DEMO_API_KEY,
    talkstackProjectId: config.talkstackProjectId ?? DEMO_PROJECT_ID,
  };
  const schedule = simulator.liveCallSchedule;
  return {
    simulator,
    config: demoConfig,
    graphiqlDefaultQuery: () => demoDocument(simulator),
    banner: [
      `Demo mode: the built-in Talkstack simulator answers on ${simulator.url}`,
      `  (demo key "${DEMO_API_KEY}", project "${DEMO_PROJECT_ID}"; set TALKSTACK_API_URL/TALKSTACK_API_KEY for real data)`,
      '  Sample sids to try:',
      ...DEMO_SAMPLE_SIDS.map((sample) => `    ${sample.sid}  ${sample.label}`),
      `  Live calls: ${liveCallPace(schedule)};`,
      `    GraphiQL's WatchCall follows the newest one at each page load. Live now: ${simulator.liveCalls()[0]?.sid ?? 'none'}`,
    ],
  };
}

/** "a new one starts every 20 s and takes 32 s to complete (queued → … → completed)" */
export function liveCallPace(schedule: RollingSchedule): string {
  return `a new one starts every ${seconds(schedule.intervalMs)} and takes ${seconds(schedule.lifetimeMs)} to complete (queued → ringing → in-progress → completed)`;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** GraphiQL's demo document, naming the simulator's live calls of this instant. */
export function demoDocument(simulator: Simulator): string {
  return demoQuery(
    DEMO_SAMPLE_SIDS.map((sample) => sample.sid),
    simulator.liveCalls(),
    simulator.liveCallSchedule,
  );
}

function demoQuery(sids: readonly string[], live: readonly RollingLiveCall[], schedule: RollingSchedule): string {
  const newest = live[0];
  const pageSids = [...sids, ...live.map((call) => call.sid)];
  return `# Talkstack calls API, demo mode: the built-in simulator answers, with the
# demo key and project as defaults, so no header is needed.
# Run "DashboardPage" (the ▶ button), then try "OneCall" or "WatchCall".

query DashboardPage {
  calls(sids: [
${pageSids.map((sid) => `    ${JSON.stringify(sid)}`).join('\n')}
  ]) {
    sid
    status
    isFinal
    from
    to
    date
    durationSeconds
    cost
    recordings { url sid format }
    shift { shiftId employeeGoesToWork cancellationReason newDate }
  }
}

query OneCall {
  call(sid: ${JSON.stringify(sids[0] ?? newest?.sid ?? '')}) {
    sid
    status
    upstreamStatus
    data
  }
}

# The newest live call when this page loaded: it moves queued → ringing → in-progress →
# completed, ${seconds(schedule.lifetimeMs)} in all. A new one starts every ${seconds(schedule.intervalMs)}: reload the page for a fresh sid.
subscription WatchCall {
  callUpdates(sid: ${JSON.stringify(newest?.sid ?? sids[0] ?? '')}) {
    status
    isFinal
    durationSeconds
  }
}
`;
}
