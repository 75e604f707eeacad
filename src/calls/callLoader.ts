/**
 * The per-operation call loader: every lookup of one GraphQL operation (`call`, `calls`,
 * aliases, `_entities`, a subscription's polls) goes through one instance.
 *
 * Contract:
 * - each distinct (projectId, sid) is fetched at most once per loader (DataLoader's cache);
 * - at most `maxCalls` distinct pairs may be asked for, counted in the order they are asked;
 *   the pairs past the limit reject with `TooManyCallsError` and cause no upstream request;
 * - results and errors are per key: a failing call never fails its batch neighbours;
 * - each key resolves as soon as its own upstream answer arrives (the batch function hands
 *   DataLoader one promise per key instead of waiting for the whole batch);
 * - a loader serves one credential, which the fetches below key by, so nothing fetched with
 *   one credential can be answered to another;
 * - every fetch is made on behalf of the operation's `OperationScope`, so upstream work for an
 *   operation whose client has gone can be dropped;
 * - each batch's size is told to `observeBatch` (metrics); with a `trace` (tracing on), each
 *   batch is a `talkstack.batch` span of the operation (tracing/operationTrace.ts).
 */
import DataLoader from 'dataloader';
import { TooManyCallsError } from '../errors.js';
import type { Credential } from '../talkstack/credentials.js';
import type { OperationTrace } from '../tracing/operationTrace.js';
import type { Call, CallAddress } from './call.js';
import type { OperationScope } from './operationScope.js';

/** Fetches one call with a credential for an operation: null when unknown upstream. */
export type FetchCall = (address: CallAddress, credential: Credential, scope?: OperationScope) => Promise<Call | null>;

export interface CallLoaderOptions {
  credential: Credential;
  maxCalls: number;
  fetchCall: FetchCall;
  /** the operation's lifetime; without one, fetches are never dropped */
  scope?: OperationScope;
  /** told the size of each batch (metrics) */
  observeBatch?: (size: number) => void;
}

export class CallLoader {
  readonly #credential: Credential;
  readonly #maxCalls: number;
  readonly #asked = new Set<string>();
  readonly #loader: DataLoader<string, Call | null>;
  readonly #addresses = new Map<string, CallAddress>();
  #tooMany: TooManyCallsError | undefined;
  /**
   * The operation's trace, set by the tracing plugin before the operation runs: each batch is
   * then a span of it. Undefined (tracing off): nothing is traced.
   */
  trace: OperationTrace | undefined;

  constructor({ credential, maxCalls, fetchCall, scope, observeBatch }: CallLoaderOptions) {
    this.#credential = credential;
    this.#maxCalls = maxCalls;
    const fetchOne = (address: CallAddress) => fetchCall(address, credential, scope);
    const addressOf = (key: string) => this.#addresses.get(key) as CallAddress;
    const batch = async (keys: readonly string[]) => {
      observeBatch?.(keys.length);
      const trace = this.trace;
      return trace ? trace.batch(keys.map(addressOf), fetchOne) : keys.map((key) => fetchOne(addressOf(key)));
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
    return this.#asked.size;
  }

  load(address: CallAddress): Promise<Call | null> {
    const key = this.#keyOf(address);
    if (!this.#asked.has(key)) {
      // One error for every capped key: the operation codes it once (resolvers/callLookup.ts).
      if (this.#asked.size >= this.#maxCalls) return Promise.reject((this.#tooMany ??= new TooManyCallsError(this.#maxCalls)));
      this.#asked.add(key);
      this.#addresses.set(key, { projectId: address.projectId, sid: address.sid });
    }
    return this.#loader.load(key);
  }

  /**
   * Every call this loader was asked for, with what it answered (null: unknown), once all
   * have settled; rejects if any failed. For the fast path for settled answers, after the
   * response is sent: DataLoader still holds each key's promise, so nothing is fetched again.
   */
  answered(): Promise<Array<readonly [CallAddress, Call | null]>> {
    return Promise.all([...this.#addresses].map(([key, address]) => this.#loader.load(key).then((call) => [address, call] as const)));
  }

  /** Forgets a call's result so the next load fetches it again (subscription polls). */
  forget(address: CallAddress): void {
    this.#loader.clear(this.#keyOf(address));
  }

  // One loader serves one credential: the key needs only the address. A sid cannot contain
  // a newline (see callAddress.ts), so the pair cannot be confused with another.
  #keyOf({ projectId, sid }: CallAddress): string {
    return `${projectId}\n${sid}`;
  }
}
