/**
 * Demo mode: the built-in simulator becomes the upstream, and its demo key and project
 * become the defaults, so GraphiQL works with no account, header or setting.
 */
import type { Config } from './config.js';
import {
  DEMO_API_KEY,
  DEMO_LIVE_SIDS,
  DEMO_PROJECT_ID,
  DEMO_SAMPLE_SIDS,
  type Simulator,
  startSimulator,
} from './simulator/index.js';

export interface DemoUpstream {
  simulator: Simulator;
  /** the configuration pointed at the simulator */
  config: Config;
  graphiqlDefaultQuery: string;
  /** lines for the start-up banner */
  banner: string[];
}

export async function startDemoUpstream(config: Config): Promise<DemoUpstream> {
  const simulator = await startSimulator({ port: 0, host: '127.0.0.1' });
  const demoConfig: Config = {
    ...config,
    talkstackApiUrl: simulator.url,
    talkstackApiKey: config.talkstackApiKey ?? DEMO_API_KEY,
    talkstackProjectId: config.talkstackProjectId ?? DEMO_PROJECT_ID,
  };
  const sampleSids = DEMO_SAMPLE_SIDS.map((sample) => sample.sid);
  const liveSid = DEMO_LIVE_SIDS[0] ?? sampleSids[0] ?? '';
  return {
    simulator,
    config: demoConfig,
    graphiqlDefaultQuery: demoQuery(sampleSids, liveSid),
    banner: [
      `Demo mode: the built-in Talkstack simulator answers on ${simulator.url}`,
      `  (demo key "${DEMO_API_KEY}", project "${DEMO_PROJECT_ID}"; set TALKSTACK_API_URL/TALKSTACK_API_KEY for real data)`,
      '  Sample sids to try:',
      ...DEMO_SAMPLE_SIDS.map((sample) => `    ${sample.sid}  ${sample.label}`),
    ],
  };
}

function demoQuery(sids: readonly string[], liveSid: string): string {
  return `# Talkstack calls API, demo mode: the built-in simulator answers, with the
# demo key and project as defaults, so no header is needed.
# Run "DashboardPage" (the ▶ button), then try "OneCall" or "WatchCall".

query DashboardPage {
  calls(sids: [
${sids.map((sid) => `    ${JSON.stringify(sid)}`).join('\n')}
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
  call(sid: ${JSON.stringify(sids[0] ?? liveSid)}) {
    sid
    status
    upstreamStatus
    data
  }
}

# A live call: it moves queued → ringing → in-progress → completed.
subscription WatchCall {
  callUpdates(sid: ${JSON.stringify(liveSid)}) {
    status
    isFinal
    durationSeconds
  }
}
`;
}
