/**
 * A dashboard's page of calls, kept as rows: built from a `calls` answer (rows in the order of
 * the sids asked, an error's `extensions.code` on the row it belongs to), grown by `@stream`
 * increments, and changed in place by live updates. No DOM and no Node API: the terminal and
 * the web dashboard share it.
 */
import type { CallRowFragment } from './generated/graphql.js';

export interface GraphQLErrorShape {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string } & Record<string, unknown>;
}

/** One row: the call, or why there is none (`UNKNOWN_CALL` for a call Talkstack does not know). */
export type CallTableRow =
  | { sid: string; kind: 'call'; call: CallRowFragment }
  | { sid: string; kind: 'error'; code: string; message: string }
  | { sid: string; kind: 'unknown' }
  | { sid: string; kind: 'pending' };

/** The payloads a streamed or deferred operation sends after its first (graphql-js 17 alpha / Yoga format). */
export interface IncrementalPayload {
  data?: { calls?: ReadonlyArray<CallRowFragment | null> } | null;
  errors?: readonly GraphQLErrorShape[];
  incremental?: ReadonlyArray<{ items?: ReadonlyArray<CallRowFragment | null>; path: ReadonlyArray<string | number>; errors?: readonly GraphQLErrorShape[] }>;
  hasNext?: boolean;
}

export class CallTable {
  readonly rows: CallTableRow[];
  /** set when the whole field failed (no credential, a bad project): no row can be shown */
  failure: GraphQLErrorShape | undefined;

  constructor(readonly sids: readonly string[]) {
    this.rows = sids.map((sid) => ({ sid, kind: 'pending' }));
  }

  /** Applies one answer or one increment of it; returns the indexes of the rows it changed. */
  apply(payload: IncrementalPayload): number[] {
    const changed: number[] = [];
    const calls = payload.data?.calls;
    if (calls) calls.forEach((call, index) => this.#setCall(index, call, changed));
    for (const part of payload.incremental ?? []) {
      const start = part.path[part.path.length - 1];
      if (part.path[0] !== 'calls' || typeof start !== 'number') continue;
      (part.items ?? []).forEach((call, offset) => this.#setCall(start + offset, call, changed));
      this.#setErrors(part.errors, changed);
    }
    this.#setErrors(payload.errors, changed);
    return changed;
  }

  /**
   * A live update: every row of that sid shows the call as it is now. Returns the rows that
   * really changed: a subscription's first event repeats what the page already shows.
   */
  update(call: CallRowFragment): number[] {
    const changed: number[] = [];
    const now = JSON.stringify(call);
    this.rows.forEach((row, index) => {
      if (row.sid === call.sid && !(row.kind === 'call' && JSON.stringify(row.call) === now)) {
        this.rows[index] = { sid: call.sid, kind: 'call', call };
        changed.push(index);
      }
    });
    return changed;
  }

  /** The sids whose calls are still moving: the ones worth a live subscription. */
  liveSids(): string[] {
    const live = new Set<string>();
    for (const row of this.rows) if (row.kind === 'call' && !row.call.isFinal) live.add(row.sid);
    return [...live];
  }

  #setCall(index: number, call: CallRowFragment | null, changed: number[]): void {
    const sid = this.sids[index];
    if (sid === undefined) return;
    // A null with an error at its path is an error row; the error may come in the same payload.
    if (call === null && this.rows[index]?.kind === 'error') return;
    this.rows[index] = call ? { sid, kind: 'call', call } : { sid, kind: 'unknown' };
    changed.push(index);
  }

  #setErrors(errors: readonly GraphQLErrorShape[] | undefined, changed: number[]): void {
    for (const error of errors ?? []) {
      const [field, index] = error.path ?? [];
      const code = error.extensions?.code ?? 'INTERNAL_SERVER_ERROR';
      if (field === 'calls' && typeof index === 'number' && this.sids[index] !== undefined) {
        this.rows[index] = { sid: this.sids[index], kind: 'error', code, message: error.message };
        changed.push(index);
      } else if (!this.failure) {
        this.failure = error;
      }
    }
  }
}

/** "1:05" for 65 seconds; "" when unknown. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '';
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, '0')}`;
}

/** "0.0123" (as Talkstack bills it); "" when unknown. */
export function formatCost(cost: number | null): string {
  return cost === null ? '' : cost.toFixed(4);
}

/** "2026-12-02 08:15" (UTC) from an ISO date-time; "" when unknown. */
export function formatDate(date: string | null): string {
  return date ? date.slice(0, 16).replace('T', ' ') : '';
}

/** What the status column says for a row. */
export function statusText(row: CallTableRow): string {
  switch (row.kind) {
    case 'call':
      return row.call.status;
    case 'error':
      return row.code;
    case 'unknown':
      return 'not found';
    case 'pending':
      return '…';
  }
}
