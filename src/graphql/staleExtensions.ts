/**
 * `extensions.stale` (contract: "Stale if error"): each entry of a response answered with a
 * stale call (fetch/staleAnswers.ts) instead of a failure, as `{path, code}`, at most
 * MAX_ERRORS of them. The resolvers record an entry when a call they resolve is a stale
 * answer (`recordStale`); this plugin adds what was recorded to the result, or, for an
 * incremental result (@defer, @stream), to each payload what was recorded since the last one
 * (per part: a stale streamed item is listed with the payload that carries it).
 *
 * Nothing is made for an operation without stale entries: one WeakMap lookup per result.
 */
import { type GraphQLResolveInfo, responsePathAsArray } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Call } from '../calls/call.js';
import type { ErrorCode } from '../calls/callDataErrors.js';
import { staleCodeOf } from '../fetch/staleMarks.js';

export interface StaleEntry {
  readonly path: readonly (string | number)[];
  readonly code: ErrorCode;
}

/** entries recorded and not yet sent, per operation context */
const pending = new WeakMap<object, StaleEntry[]>();

/** Notes `call` at `info`'s path (and `index` within it) when it is a stale answer; returns it. */
export function recordIfStale(ctx: object, info: GraphQLResolveInfo, index: number | undefined, call: Call | null): Call | null {
  if (call === null) return call;
  const code = staleCodeOf(call);
  if (code === undefined) return call;
  const path: (string | number)[] = responsePathAsArray(info.path);
  if (index !== undefined) path.push(index);
  let entries = pending.get(ctx);
  if (!entries) pending.set(ctx, (entries = []));
  entries.push({ path, code });
  return call;
}

function take(ctx: object): StaleEntry[] | undefined {
  const entries = pending.get(ctx);
  if (!entries || entries.length === 0) return undefined;
  pending.delete(ctx);
  return entries;
}

type WithExtensions = { extensions?: Record<string, unknown> };

const withStale = <T extends WithExtensions>(result: T, entries: StaleEntry[], max: number): T => ({
  ...result,
  extensions: { ...result.extensions, stale: entries.length > max ? entries.slice(0, max) : entries },
});

export function useStaleExtensions(maxEntries: number): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          const ctx = args.contextValue as object;
          if (!isAsyncIterable(result)) {
            const entries = take(ctx);
            if (entries) setResult(withStale(result as WithExtensions, entries, maxEntries) as typeof result);
            return undefined;
          }
          let sent = 0;
          return {
            onNext({ result: payload, setResult: setPayload }) {
              const entries = take(ctx);
              if (!entries || sent >= maxEntries) return;
              const room = entries.slice(0, maxEntries - sent);
              sent += room.length;
              setPayload(withStale(payload as WithExtensions, room, room.length) as typeof payload);
            },
          };
        },
      };
    },
  };
}
