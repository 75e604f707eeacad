/**
 * One traced operation, as the call loader sees it: each loader batch becomes a
 * `talkstack.batch` span, child of the operation's `graphql.operation` span, lasting until
 * every call of the batch has settled.
 *
 * Parenting is explicit, not through AsyncLocalStorage (which would add a hook to every
 * promise of the process): the batch notes its span beside each call address it asks for
 * (`CallParents`, a WeakMap keyed by the address object), and the client's tracer
 * (callTracing.ts) finds it there for every try of that address. The address object travels
 * unchanged down the fetchCall seam (cache of final calls → shared fetches → client), so
 * concurrent operations never see each other's spans. A fetch shared by several operations
 * (sharedFetchCall.ts) is the one the first operation started with its own address: its call
 * spans belong to that operation; the others' batches show no call span for that call.
 */
import { type Context, type Tracer, trace } from '@opentelemetry/api';
import type { Call, CallAddress } from '../calls/call.js';

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

  /** Fetches each address with `fetch` inside one batch span. */
  batch(addresses: readonly CallAddress[], fetch: (address: CallAddress) => Promise<Call | null>): Array<Promise<Call | null>> {
    const span = this.tracer.startSpan(BATCH_SPAN, { attributes: { [BATCH_SIZE_ATTRIBUTE]: addresses.length } }, this.context);
    const batchContext = trace.setSpan(this.context, span);
    for (const address of addresses) this.parents.set(address, batchContext);
    const results = addresses.map(fetch);
    void Promise.allSettled(results).then(() => span.end());
    return results;
  }
}
