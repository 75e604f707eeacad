/**
 * One traced operation, as the call loader sees it: each loader batch becomes a
 * `talkstack.batch` span, child of the operation's `graphql.operation` span, lasting until
 * every call of the batch has settled.
 *
 * Parenting is explicit, not through AsyncLocalStorage (which would add a hook to every
 * promise of the process): the batch notes its span beside each call address it asks for
 * (`CallParents`, a WeakMap keyed by the address object of the call key), and the client's
 * tracer (callTracing.ts) finds it there for every try of that address. The call key travels
 * unchanged down the fetch pipeline (fetch/fetchPipeline.ts) to the client, so concurrent
 * operations never see each other's spans. A fetch shared by several operations
 * (fetch/coalescing.ts) is the one the first operation started with its own address: its call
 * spans belong to that operation; the others' batches show no call span for that call.
 */
import { type Context, type Tracer, trace } from '@opentelemetry/api';
import type { Call } from '../calls/call.js';
import type { CallKey } from '../identity/keys.js';

/** The batch span context each traced call address was asked for in. */
export type CallParents = WeakMap<object, Context>;

export const BATCH_SPAN = 'talkstack.batch';
export const BATCH_SIZE_ATTRIBUTE = 'talkstack.batch.size';

export class OperationTrace {
  /**
   * @param context the operation span's context
   */
  constructor(
    private readonly tracer: Tracer,
    readonly context: Context,
    private readonly parents: CallParents,
  ) {}

  /** Fetches each call key with `fetch` inside one batch span. */
  batch(keys: readonly CallKey[], fetch: (key: CallKey) => Promise<Call | null>): Array<Promise<Call | null>> {
    const span = this.tracer.startSpan(BATCH_SPAN, { attributes: { [BATCH_SIZE_ATTRIBUTE]: keys.length } }, this.context);
    const batchContext = trace.setSpan(this.context, span);
    for (const key of keys) this.parents.set(key.address, batchContext);
    const results = keys.map(fetch);
    void Promise.allSettled(results).then(() => span.end());
    return results;
  }
}
