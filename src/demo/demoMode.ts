/**
 * Demo mode: the built-in simulator becomes the upstream, and its demo key and project
 * become the defaults, so GraphiQL works with no account, header or setting.
 */
import type { Config } from '../config/config.js';
import {
  DEMO_API_KEY,
  DEMO_ERROR_SIDS,
  DEMO_PROJECT_ID,
  DEMO_SAMPLE_SIDS,
  DEMO_SLOW_DELAY_MS,
  DEMO_SLOW_SID,
  type DemoErrorSid,
  type RollingLiveCall,
  type RollingSchedule,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from '../simulator/index.js';
import { backoffMs } from '../talkstack/retryPolicy.js';

/**
 * Demo mode's per-try upstream timeout unless UPSTREAM_TIMEOUT_MS is set: with the default
 * 10 s, the timeout sid would hold a page for half a minute over three tries.
 */
export const DEMO_UPSTREAM_TIMEOUT_MS = 1500;

export interface DemoUpstream {
  simulator: Simulator;
  /** the configuration pointed at the simulator */
  config: Config;
  /**
   * GraphiQL's example documents, one tab each, written at each page load: live calls come
   * and go, so documents written at start-up would only show finished ones a minute later.
   */
  graphiqlTabs: () => string[];
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
    upstreamTimeoutMs: config.upstreamTimeoutExplicit ? config.upstreamTimeoutMs : DEMO_UPSTREAM_TIMEOUT_MS,
  };
  const schedule = simulator.liveCallSchedule;
  const timeoutSeconds = seconds(demoConfig.upstreamTimeoutMs);
  return {
    simulator,
    config: demoConfig,
    graphiqlTabs: () => demoTabs(simulator, demoConfig),
    banner: [
      `Demo mode: the built-in Talkstack simulator answers on ${simulator.url}`,
      `  (demo key "${DEMO_API_KEY}", project "${DEMO_PROJECT_ID}"; set TALKSTACK_API_URL/TALKSTACK_API_KEY for real data)`,
      '  Sample sids to try:',
      ...DEMO_SAMPLE_SIDS.map((sample) => `    ${sample.sid}  ${sample.label}`),
      `  Live calls: ${liveCallPace(schedule)};`,
      `    GraphiQL's WatchCall follows the newest one at each page load. Live now: ${simulator.liveCalls()[0]?.sid ?? 'none'}`,
      `  Error states to design for (sid, then the extensions.code a client sees; upstream timeout ${timeoutSeconds} per try${
        config.upstreamTimeoutExplicit ? '' : ' in demo mode'
      }):`,
      ...errorStateLines(DEMO_ERROR_SIDS),
      `  Slow call (answers after ${seconds(DEMO_SLOW_DELAY_MS)}, for @stream/@defer): ${DEMO_SLOW_SID}`,
    ],
  };
}

/** `    demo-error-500        UPSTREAM_ERROR         upstream 500 on every try` */
function errorStateLines(states: readonly DemoErrorSid[]): string[] {
  const sidWidth = Math.max(...states.map((state) => state.sid.length));
  const codeWidth = Math.max(...states.map((state) => codeText(state.code).length));
  return states.map((state) => `    ${state.sid.padEnd(sidWidth)}  ${codeText(state.code).padEnd(codeWidth)}  ${state.label}`);
}

/** How the README and the banner name a code; `null` is a call that is null with no error. */
export const codeText = (code: string | null): string => code ?? 'null, no error';

/** "a new one starts every 20 s and takes 32 s to complete (queued → … → completed)" */
export function liveCallPace(schedule: RollingSchedule): string {
  return `a new one starts every ${seconds(schedule.intervalMs)} and takes ${seconds(schedule.lifetimeMs)} to complete (queued → ringing → in-progress → completed)`;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** GraphiQL's example tabs, one operation each, naming the simulator's live calls of this instant. */
export function demoTabs(
  simulator: Simulator,
  config: Pick<Config, 'upstreamTimeoutMs' | 'upstreamRetries'> = { upstreamTimeoutMs: DEMO_UPSTREAM_TIMEOUT_MS, upstreamRetries: 2 },
): string[] {
  const sids = DEMO_SAMPLE_SIDS.map((sample) => sample.sid);
  const live = simulator.liveCalls();
  return [
    dashboardPage(sids, live),
    oneCall(sids[0] ?? live[0]?.sid ?? ''),
    watchCall(live[0]?.sid ?? sids[0] ?? '', simulator.liveCallSchedule),
    errorStates(sids[0] ?? '', config),
  ];
}

const sidList = (sids: readonly string[]) => sids.map((sid) => `    ${JSON.stringify(sid)}`).join('\n');

function dashboardPage(sids: readonly string[], live: readonly RollingLiveCall[]): string {
  return `# Talkstack calls API, demo mode: the built-in simulator answers, with the
# demo key and project as defaults, so no header is needed.
# One example per tab: run this one (the ▶ button), then try the others.

query DashboardPage {
  calls(sids: [
${sidList([...sids, ...live.map((call) => call.sid)])}
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
`;
}

function oneCall(sid: string): string {
  return `# One call, with the status as Talkstack wrote it and the answers the bot collected.

query OneCall {
  call(sid: ${JSON.stringify(sid)}) {
    sid
    status
    upstreamStatus
    data
  }
}
`;
}

function watchCall(sid: string, schedule: RollingSchedule): string {
  return `# The newest live call when this page loaded: it moves queued → ringing → in-progress →
# completed, ${seconds(schedule.lifetimeMs)} in all. A new one starts every ${seconds(schedule.intervalMs)}: reload the page for a fresh sid.

subscription WatchCall {
  callUpdates(sid: ${JSON.stringify(sid)}) {
    status
    isFinal
    durationSeconds
  }
}
`;
}

function errorStates(goodSid: string, config: Pick<Config, 'upstreamTimeoutMs' | 'upstreamRetries'>): string {
  const tries = config.upstreamRetries + 1;
  let worstMs = tries * config.upstreamTimeoutMs;
  for (let retry = 1; retry < tries; retry++) worstMs += backoffMs(retry);
  const width = Math.max(...DEMO_ERROR_SIDS.map((state) => state.sid.length));
  return `# Error states to design for: each demo-error-* sid answers as an upstream failure
# does. Its entry in \`calls\` is null, and errors[] has one error for it whose path ends
# with the entry's index and whose extensions.code says what happened; the other
# entries still answer. demo-error-timeout takes about ${seconds(worstMs)} (${tries} tries of ${seconds(config.upstreamTimeoutMs)}).
${DEMO_ERROR_SIDS.map((state) => `#   ${state.sid.padEnd(width)}  ${codeText(state.code)}`).join('\n')}

query ErrorStates {
  calls(sids: [
${sidList([goodSid, ...DEMO_ERROR_SIDS.map((state) => state.sid)])}
  ]) {
    sid
    status
    isFinal
  }
}
`;
}
