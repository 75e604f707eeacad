/**
 * GraphiQL's example tabs in demo mode, written at each page load with the simulator's live
 * calls of that instant: DashboardPage, OneCall, WatchCall (the next live call, still queued)
 * and ErrorStates (every demo error sid and the code a client sees for it). Every line fits
 * the query editor of a 1,280 px window (TAB_LINE_MAX): comments are wrapped, and a call's
 * sid argument gets a line of its own.
 */
import type { Config } from '../config/config.js';
import { commentLines, type GraphiQLTab } from '../graphiql/graphiqlOptions.js';
import { DEMO_ERROR_SIDS, DEMO_ERRORS_API_KEY, DEMO_SAMPLE_SIDS, type RollingLiveCall, type RollingSchedule, type Simulator } from '../simulator/index.js';
import { backoffMs } from '../talkstack/retryPolicy.js';
import { codeText, seconds } from './demoText.js';

/** GraphiQL's example tabs, one operation each, naming the simulator's live calls of this instant. */
export function demoTabs(simulator: Simulator, config: Pick<Config, 'upstreamTimeoutMs' | 'upstreamRetries'>): GraphiQLTab[] {
  const sids = DEMO_SAMPLE_SIDS.map((sample) => sample.sid);
  const live = simulator.liveCalls();
  return [
    dashboardPage(sids, live),
    oneCall(sids[0] ?? live[0]?.sid ?? ''),
    // The next call, not the newest: that one may be half done, and a watcher would see its end.
    // Named from the clock alone: loading the page creates no call.
    watchCall(simulator.nextLiveCall().sid, simulator.liveCallSchedule),
    // Sent with a demo key of its own: its 429s pause, and its failures count against, that
    // tenant only (contract: "Tenants"), never the demo key of the other tabs.
    { query: errorStates(sids[0] ?? '', config), headers: { 'x-api-key': DEMO_ERRORS_API_KEY } },
  ];
}

const sidList = (sids: readonly string[]) => sids.map((sid) => `    ${JSON.stringify(sid)}`).join('\n');

function dashboardPage(sids: readonly string[], live: readonly RollingLiveCall[]): string {
  return `${commentLines(
    'Talkstack calls API, demo mode: the built-in simulator answers, with the demo key and project as defaults (no header needed).\nOne example per tab: run this one (▶), then try the others.',
  )}

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
    shift {
      shiftId
      employeeGoesToWork
      cancellationReason
      newDate
    }
  }
}
`;
}

function oneCall(sid: string): string {
  return `${commentLines('One call, with the status as Talkstack wrote it and the answers the bot collected.')}

query OneCall {
  call(
    sid: ${JSON.stringify(sid)}
  ) {
    sid
    status
    upstreamStatus
    data
  }
}
`;
}

function watchCall(sid: string, schedule: RollingSchedule): string {
  return `${commentLines(
    `The next live call, not started yet when this page loaded: ▶ to watch all of it, QUEUED → RINGING → IN_PROGRESS → COMPLETED, where the subscription ends. It starts within ${seconds(schedule.intervalMs)} and takes ${seconds(schedule.lifetimeMs)}.\nA new call starts every ${seconds(schedule.intervalMs)}: reload the page for the next one.`,
  )}

subscription WatchCall {
  callUpdates(
    sid: ${JSON.stringify(sid)}
  ) {
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
  return `${commentLines(
    `Error states to design for: each demo-error-* sid answers as an upstream failure does. Its entry in \`calls\` is null, and errors[] has one error for it, whose path ends with that index and whose extensions.code says what happened; the other entries still answer.\ndemo-error-timeout takes about ${seconds(worstMs)} (${tries} tries of ${seconds(config.upstreamTimeoutMs)}), demo-error-429 about ${seconds((2 + config.upstreamRetries) * 1000)} (sent ${tries + 2} times, each 429 waiting out its Retry-After).\nThis tab sends a demo key of its own (see Headers): these failures pause only that key. Each sid, then the code a client sees:`,
  )}
${DEMO_ERROR_SIDS.map((state) => `# ${state.sid.padEnd(width)}  ${codeText(state.code)}`).join('\n')}

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
