/**
 * The per-operation call loader, in front of the fetch pipeline: every lookup of one GraphQL
 * operation (`call`, `calls`, aliases, `_entities`) goes through one instance.
 *
 * Contract:
 * - each distinct (projectId, sid) is fetched at most once per loader (DataLoader's cache);
 * - at most `maxCalls` distinct pairs may be asked for, counted in the order they are asked;
 *   the pairs past the limit reject with `TooManyCallsError` and cause no upstream request;
 * - results and errors are per key: a failing call never fails its batch neighbours;
 * - each key resolves as soon as its own upstream answer arrives (the batch function hands
 *   DataLoader one promise per key instead of waiting for the whole batch);
 * - a loader serves one credential: each distinct call gets its call key (identity/keys.ts)
 *   once, which the pipeline keys by, so nothing fetched with one credential can be answered
 *   to another;
 * - every fetch is made on behalf of the operation's `FetchScope`, so upstream work for an
 *   operation whose client has gone can be dropped;
 * - each batch's size is told to `observeBatch` (metrics); with a `trace` (tracing on), each
 *   batch is a `talkstack.batch` span of the operation (tracing/operationTrace.ts).
 */
import DataLoader from 'dataloader';
import type { Call, CallAddress } from '../calls/call.js';
import { TooManyCallsError } from '../calls/callDataErrors.js';
import type { Credential } from '../identity/credential.js';
import { addressKeyOf, type CallKey, callKeyOf } from '../identity/keys.js';
import type { OperationTrace } from '../tracing/operationTrace.js';
import type { FetchCall } from './fetchCall.js';
import { type FetchScope, UNENDING_SCOPE } from './fetchScope.js';

export interface CallLoaderOptions {
  credential: Credential;
  maxCalls: number;
  /** the fetch pipeline's first layer */
  fetchCall: FetchCall;
  /** the operation's lifetime; without one, fetches are never dropped */
  scope?: FetchScope;
  /** told the size of each batch (metrics) */
  observeBatch?: (size: number) => void;
}

export class CallLoader {
  readonly #credential: Credential;
  readonly #maxCalls: number;
  /** address key → call key of every call asked for (capped ones excluded) */
  readonly #keys = new Map<string, CallKey>();
  readonly #loader: DataLoader<string, Call | null>;
  #tooMany: TooManyCallsError | undefined;
  /**
   * The operation's trace, set by the tracing plugin before the operation runs: each batch is
   * then a span of it. Undefined (tracing off): nothing is traced.
   */
  trace: OperationTrace | undefined;

  constructor({ credential, maxCalls, fetchCall, scope = UNENDING_SCOPE, observeBatch }: CallLoaderOptions) {
    this.#credential = credential;
    this.#maxCalls = maxCalls;
    const fetchOne = (key: CallKey) => fetchCall(key, scope);
    const keyOf = (addressKey: string) => this.#keys.get(addressKey) as CallKey;
    const batch = async (addressKeys: readonly string[]) => {
      observeBatch?.(addressKeys.length);
      const keys = addressKeys.map(keyOf);
      const trace = this.trace;
      return trace ? trace.batch(keys, fetchOne) : keys.map(fetchOne);
    };
    // DataLoader settles each key with its array entry; a promise entry is adopted, which is
    // what lets every key resolve on its own schedule.
    this.#loader = new DataLoader(batch as unknown as DataLoader.BatchLoadFn<string, Call | null>);
  }

  get credential(): Credential {
    return this.#credential;
  }

  /** Distinct calls asked for so far (capped ones excluded). */
  get distinctCalls(): number {
    return this.#keys.size;
  }

  load(address: CallAddress): Promise<Call | null> {
    const addressKey = addressKeyOf(address);
    if (!this.#keys.has(addressKey)) {
      // One error for every capped key: the operation reports it once per entry, made once.
      if (this.#keys.size >= this.#maxCalls) return Promise.reject((this.#tooMany ??= new TooManyCallsError(this.#maxCalls)));
      this.#keys.set(addressKey, callKeyOf(this.#credential, { projectId: address.projectId, sid: address.sid }));
    }
    return this.#loader.load(addressKey);
  }

  /**
   * Every call this loader was asked for, with what it answered (null: unknown), once all
   * have settled; rejects if any failed. For the fast path for settled answers, after the
   * response is sent: DataLoader still holds each key's promise, so nothing is fetched again.
   */
  answered(): Promise<Array<readonly [CallKey, Call | null]>> {
    return Promise.all([...this.#keys].map(([addressKey, key]) => this.#loader.load(addressKey).then((call) => [key, call] as const)));
  }
}
