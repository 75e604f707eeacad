/**
 * Demo mode: the built-in simulator becomes the upstream, and its demo key and project
 * become the defaults, so GraphiQL works with no account, header or setting.
 */
import type { Config } from '../config/config.js';
import { codeText, seconds } from './demoText.js';
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
import type { GraphiQLTab } from '../graphiql/graphiqlOptions.js';
import { demoTabs } from './demoTabs.js';

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
  graphiqlTabs: () => GraphiQLTab[];
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
      `    GraphiQL's WatchCall names the next one at each page load (queued until it starts). Live now: ${simulator.liveCalls()[0]?.sid ?? 'none'}`,
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


/** "a new one starts every 20 s and takes 32 s to complete (queued → … → completed)" */
export function liveCallPace(schedule: RollingSchedule): string {
  return `a new one starts every ${seconds(schedule.intervalMs)} and takes ${seconds(schedule.lifetimeMs)} to complete (queued → ringing → in-progress → completed)`;
}

