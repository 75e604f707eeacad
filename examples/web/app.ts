/**
 * The example web dashboard: a page of calls streamed in as each arrives (`@stream` over
 * GraphQL-over-SSE with graphql-sse's client), live rows updated by `callsUpdates`, error rows
 * with their `extensions.code`. Cross-origin: the API allows this page's origin by
 * `CORS_ORIGINS` (demo mode allows http://localhost:4001 by default).
 *
 * Rows that failed for now (`RATE_LIMITED`, `TOO_MANY_REQUESTS`, `UPSTREAM_UNAVAILABLE`) are
 * asked once more after their `extensions.retryAfterMs`, through the dashboards' request
 * helper (examples/graphqlRequest.ts, on ky: timeout, retries of 502/503/504).
 *
 * Typed by the generated documents (examples/generated): `CallRowFragment` is the row.
 */
import { createClient, NetworkError } from 'graphql-sse';
import { CallTable, type CallTableRow, formatCost, formatDate, formatDuration, type IncrementalPayload, statusText } from '../callTable.js';
import { askAgain, type RetryLater, retryLaterRows } from '../graphqlRequest.js';
import {
  DashboardPageStreamedDocument,
  LiveCallsDocument,
  type LiveCallsSubscription,
  type TypedDocumentString,
} from '../generated/graphql.js';

interface PageConfig {
  apiUrl: string;
  sids: string[];
}

const $ = <T extends Element>(selector: string) => document.querySelector<T>(selector) as T;
const body = $<HTMLTableSectionElement>('#calls tbody');
const summary = $<HTMLParagraphElement>('#summary');
const problem = $<HTMLParagraphElement>('#problem');

function element(tag: string, attributes: Record<string, string> = {}, text?: string): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function badgeClass(row: CallTableRow): string {
  if (row.kind === 'call') return row.call.isFinal ? 'final' : 'live';
  return row.kind;
}

function renderRow(row: CallTableRow): HTMLTableRowElement {
  const tr = element('tr', { 'data-sid': row.sid, 'data-kind': row.kind }) as HTMLTableRowElement;
  tr.append(element('td', { class: 'sid' }, row.sid));
  const status = element('td');
  status.append(element('span', { class: `badge ${badgeClass(row)}`, 'data-status': statusText(row) }, statusText(row)));
  if (row.kind === 'error') status.append(element('div', { class: 'message' }, row.message));
  tr.append(status);
  if (row.kind !== 'call') {
    tr.append(...Array.from({ length: 6 }, () => element('td')));
    return tr;
  }
  const { call } = row;
  tr.append(
    element('td', {}, call.from ?? ''),
    element('td', {}, call.to ?? ''),
    element('td', {}, formatDate(call.date)),
    element('td', { class: 'number' }, formatDuration(call.durationSeconds)),
    element('td', { class: 'number' }, formatCost(call.cost)),
  );
  const recordings = element('td');
  for (const recording of call.recordings) {
    recordings.append(element('a', { href: recording.url, target: '_blank', rel: 'noopener' }, recording.format.toLowerCase()), ' ');
  }
  tr.append(recordings);
  return tr;
}

/** When each row first arrived, ms since the page started: shows @stream at work (and tests read it). */
const arrivedAt = new Map<number, number>();

function render(table: CallTable, changed: readonly number[]): void {
  for (const index of new Set(changed)) {
    const row = table.rows[index];
    const old = body.rows[index];
    if (!row || !old) continue;
    if (row.kind !== 'pending' && !arrivedAt.has(index)) arrivedAt.set(index, Math.round(performance.now()));
    const fresh = renderRow(row);
    fresh.dataset['arrivedMs'] = String(arrivedAt.get(index) ?? '');
    fresh.classList.add('changed');
    old.replaceWith(fresh);
  }
  const arrived = table.rows.filter((row) => row.kind !== 'pending').length;
  const live = table.liveSids().length;
  const errors = table.rows.filter((row) => row.kind === 'error').length;
  summary.textContent = `${arrived} of ${table.rows.length} calls in · ${live} live · ${errors} with an error`;
  document.body.dataset['arrived'] = String(arrived);
  if (table.failure) showProblem(`${table.failure.extensions?.code ?? 'ERROR'}: ${table.failure.message}`);
}

function showProblem(text: string): void {
  problem.textContent = text;
  problem.hidden = false;
}

function explain(error: unknown, apiUrl: string): string {
  // A fetch refused by CORS gives scripts no detail ("Failed to fetch"): say the likely cause.
  const unreachable = error instanceof TypeError || (error instanceof NetworkError && error.response === undefined);
  if (unreachable) {
    return `Cannot reach ${apiUrl} from ${location.origin}: is the server running (npm start), and does its CORS_ORIGINS list ${location.origin}?`;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * What graphql-sse posts for a document: its text, or with `?trusted=1` only its hash (for a
 * server with PERSISTED_OPERATIONS_ONLY=true; graphql-sse wants a `query`, so it is empty).
 */
function requestOf<TData, TVariables>(document: TypedDocumentString<TData, TVariables>, variables: TVariables, trusted: boolean) {
  const hash = document.__meta__?.['hash'] as string | undefined;
  return trusted && hash
    ? { query: '', documentId: hash, variables: variables as Record<string, unknown> }
    : { query: document.toString(), variables: variables as Record<string, unknown> };
}

/** Asks the rows that failed for now once more, after their retryAfterMs (at most 5 s). */
async function reask(table: CallTable, later: RetryLater, apiUrl: string, trusted: boolean): Promise<void> {
  document.body.dataset['reask'] = 'waiting';
  try {
    const again = await askAgain(later, { url: apiUrl, trusted, maxWaitMs: 5000 });
    if (again) render(table, table.apply(again));
    document.body.dataset['reask'] = again ? `done:${later.sids.length}` : 'too-long';
  } catch (error) {
    document.body.dataset['reask'] = 'failed';
    showProblem(explain(error, apiUrl));
  }
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const config = (await (await fetch('/config.json')).json()) as PageConfig;
  const apiUrl = params.get('api') ?? config.apiUrl;
  const sids = params.get('sids')?.split(',').filter(Boolean) ?? config.sids;
  const trusted = params.get('trusted') === '1';
  $('#api').textContent = apiUrl;

  const table = new CallTable(sids);
  body.replaceChildren(...table.rows.map(renderRow));
  render(table, []);
  // Cookies are never sent: the API takes a credential header, and demo mode needs none.
  const client = createClient({ url: apiUrl, credentials: 'omit', retryAttempts: 0 });

  const failedForNow: IncrementalPayload = { errors: [] };
  try {
    // Yoga answers a streamed query over SSE with one `next` event per payload.
    for await (const payload of client.iterate(requestOf(DashboardPageStreamedDocument, { sids }, trusted))) {
      const part = payload as IncrementalPayload;
      render(table, table.apply(part));
      failedForNow.errors = [...(failedForNow.errors ?? []), ...(part.errors ?? []), ...(part.incremental ?? []).flatMap((item) => item.errors ?? [])];
    }
  } catch (error) {
    showProblem(explain(error, apiUrl));
    return;
  }
  document.body.dataset['page'] = 'loaded';
  const later = retryLaterRows(failedForNow, sids);
  if (later && !table.failure) void reask(table, later, apiUrl, trusted);

  const live = table.liveSids();
  if (live.length === 0) return;
  document.body.dataset['live'] = 'following';
  client.subscribe<LiveCallsSubscription>(
    requestOf(LiveCallsDocument, { sids: live }, trusted),
    {
      next: (result) => {
        if (result.data) render(table, table.update(result.data.callsUpdates));
        else if (result.errors?.[0]) showProblem(`${String(result.errors[0].extensions?.['code'] ?? 'ERROR')}: ${result.errors[0].message}`);
      },
      error: (error) => showProblem(explain(error, apiUrl)),
      complete: () => {
        document.body.dataset['live'] = 'all-final';
      },
    },
  );
}

void main();
