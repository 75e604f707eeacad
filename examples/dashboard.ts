/**
 * A terminal dashboard: one page of calls as a table (typed by the generated documents), then
 * the live ones changing in place through the `callsUpdates` subscription over WebSocket
 * (graphql-ws), until every call is final or `--seconds` have passed.
 *
 *   npm start                      # one terminal: the server, in demo mode
 *   npm run example:dashboard      # another: the demo's live and sample calls
 *   npm run example:dashboard -- --url http://localhost:4000/graphql --seconds 60 CA123… CA456…
 *
 * Options: --url (default $GRAPHQL_URL or http://localhost:4000/graphql), --seconds (default
 * 120), --retry-wait (seconds, default 5; 0: never ask a row again), --trusted (send document hashes only, for PERSISTED_OPERATIONS_ONLY=true), --once (the
 * table only), --errors (add the demo's error-state sids); sids as arguments (default: the
 * demo's). A credential of your own goes in $TALKSTACK_API_KEY (sent as x-api-key); demo mode
 * needs none. The page comes through examples/graphqlRequest.ts (ky: a timeout, retries of
 * network errors and 502/503/504); rows that failed for now (RATE_LIMITED, …) are asked once
 * more after their `extensions.retryAfterMs` (up to --retry-wait, default 5 s).
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { CallTable } from './callTable.js';
import { demoPageSids } from './demoSids.js';
import { DashboardPageDocument, LiveCallsDocument, type LiveCallsSubscription } from './generated/graphql.js';
import { askAgain, graphqlRequest, requestBody, retryLaterRows } from './graphqlRequest.js';
import { type Screen, TablePrinter } from './terminalTable.js';

export interface DashboardOptions {
  /** the server's GraphQL endpoint, http(s)://…/graphql */
  url: string;
  sids: readonly string[];
  screen: Screen;
  headers?: Record<string, string>;
  /** a credential of your own: `x-api-key` on each request, and in connection_init */
  apiKey?: string;
  trusted?: boolean;
  /** the longest `retryAfterMs` waited to ask failed-for-now rows again (default 5000; 0: never) */
  retryWaitMs?: number;
  /** stop following live calls after this long */
  seconds?: number;
  /** print the table and stop: no subscription */
  once?: boolean;
  signal?: AbortSignal;
}

export interface DashboardOutcome {
  table: CallTable;
  /** live updates received */
  updates: number;
  /** rows asked a second time after their `retryAfterMs` */
  reasked: number;
  /** why it stopped following */
  ended: 'all-final' | 'no-live-calls' | 'time-up' | 'aborted' | 'once' | 'failed';
}

/** The line the command prints last: how many live updates, re-asked rows, and why it stopped. */
export function closingLine(outcome: Pick<DashboardOutcome, 'updates' | 'reasked' | 'ended'>, seconds: number): string {
  const summary = {
    'all-final': 'every call on the page is final',
    'no-live-calls': 'done',
    'time-up': `stopped after ${seconds} s`,
    aborted: 'interrupted',
    once: 'done',
    failed: 'failed',
  }[outcome.ended];
  return `${outcome.updates} live update(s)${outcome.reasked ? `, ${outcome.reasked} row(s) asked again` : ''}; ${summary}.`;
}

export async function runDashboard(options: DashboardOptions): Promise<DashboardOutcome> {
  const { url, sids, screen, headers = {}, apiKey, trusted = false } = options;
  const table = new CallTable(sids);
  const printer = new TablePrinter(screen, table);
  const request = { url, headers, trusted, signal: options.signal, ...(apiKey ? { apiKey } : {}) };
  const answer = await graphqlRequest(DashboardPageDocument, { sids: [...sids] }, request);
  table.apply(answer);
  printer.draw();
  let reasked = 0;
  if (table.failure) return { table, updates: 0, reasked, ended: 'failed' };
  const later = retryLaterRows(answer, sids);
  const retryWaitMs = options.retryWaitMs ?? 5000;
  if (later && retryWaitMs > 0 && later.afterMs <= retryWaitMs) {
    screen.write(`Asking ${later.sids.length} row(s) again in ${later.afterMs} ms (${later.codes.join(', ')})…\n`);
    const again = await askAgain(later, { ...request, maxWaitMs: retryWaitMs });
    if (again) {
      reasked = later.sids.length;
      const before = table.rows.map((row) => JSON.stringify(row));
      printer.redraw(table.apply(again).filter((index) => JSON.stringify(table.rows[index]) !== before[index]));
    }
  }
  if (options.once) return { table, updates: 0, reasked, ended: 'once' };
  const live = table.liveSids();
  if (live.length === 0) {
    screen.write('No live call on this page: nothing to follow.\n');
    return { table, updates: 0, reasked, ended: 'no-live-calls' };
  }
  screen.write(`Following ${live.length} live call(s) through callsUpdates over WebSocket…\n`);

  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    // A WebSocket carries no per-request headers: the credential goes in connection_init.
    connectionParams: apiKey ? { ...headers, 'x-api-key': apiKey } : headers,
    retryAttempts: 0,
    lazy: true,
  });
  let updates = 0;
  let stopFollowing = (): void => undefined;
  try {
    const ended = await new Promise<DashboardOutcome['ended']>((resolve) => {
      const timer = setTimeout(() => resolve('time-up'), (options.seconds ?? 120) * 1000);
      const onAbort = () => resolve('aborted');
      options.signal?.addEventListener('abort', onAbort, { once: true });
      // graphql-ws insists on a `query` string: with a hash alone it is empty.
      const payload = { query: '', ...requestBody(LiveCallsDocument, { sids: live }, trusted) };
      const stop = client.subscribe<LiveCallsSubscription>(payload, {
        next: (result) => {
          if (result.data) {
            const changed = table.update(result.data.callsUpdates);
            if (changed.length > 0) updates++;
            printer.redraw(changed);
          } else if (result.errors?.length) {
            screen.write(`subscription error ${String(result.errors[0]?.extensions?.['code'] ?? '')}: ${result.errors[0]?.message}\n`);
          }
        },
        error: (error) => {
          screen.write(`subscription failed: ${error instanceof Error ? error.message : describeClose(error)}\n`);
          resolve('failed');
        },
        complete: () => resolve('all-final'),
      });
      stopFollowing = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        stop();
      };
    });
    return { table, updates, reasked, ended };
  } finally {
    stopFollowing();
    await client.dispose();
  }
}

function describeClose(event: unknown): string {
  const close = event as { code?: number; reason?: string };
  return close.code ? `connection closed (${close.code}${close.reason ? `: ${close.reason}` : ''})` : String(event);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string', default: process.env.GRAPHQL_URL ?? 'http://localhost:4000/graphql' },
      seconds: { type: 'string', default: '120' },
      trusted: { type: 'boolean', default: false },
      once: { type: 'boolean', default: false },
      errors: { type: 'boolean', default: false },
      'retry-wait': { type: 'string', default: '5' },
    },
  });
  const seconds = Number(values.seconds);
  if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got ${values.seconds}`);
  const key = process.env.TALKSTACK_API_KEY;
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const outcome = await runDashboard({
    url: values.url,
    sids: positionals.length > 0 ? positionals : demoPageSids({ errors: values.errors }),
    screen: process.stdout,
    ...(key ? { apiKey: key } : {}),
    retryWaitMs: Number(values['retry-wait']) * 1000,
    trusted: values.trusted,
    seconds,
    once: values.once,
    signal: abort.signal,
  });
  console.log(closingLine(outcome, seconds));
  if (outcome.ended === 'failed') process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    const cause = (error as { cause?: { code?: string } }).cause;
    if (cause?.code === 'ECONNREFUSED') console.error('No server answers there: start one with `npm start` (or pass --url).');
    else console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
