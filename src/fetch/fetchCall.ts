/**
 * The fetch pipeline's one signature: every layer (fetchPipeline.ts lists them in order) takes
 * a call key and the scope of whoever waits, and answers the call, or null when Talkstack does
 * not know it (404). Failures reject with a domain error (calls/callDataErrors.ts), or with
 * `CancelledError` once the scope has ended.
 *
 * A layer is a function of the layer below it, as undici's interceptors are of the dispatch
 * below them; each one is a file that owns its state and reports typed stats.
 */
import type { Call } from '../calls/call.js';
import type { CallKey } from '../identity/keys.js';
import type { FetchScope } from './fetchScope.js';

export type FetchCall = (key: CallKey, scope: FetchScope) => Promise<Call | null>;

/** Given the fetch of the layer below, the fetch this layer offers the one above. */
export type FetchLayer = (next: FetchCall) => FetchCall;

/** `layers[0]` is the outermost (asked first); `last` answers whatever passes them all. */
export function composeFetch(layers: readonly FetchLayer[], last: FetchCall): FetchCall {
  let fetchCall = last;
  for (let i = layers.length - 1; i >= 0; i--) fetchCall = (layers[i] as FetchLayer)(fetchCall);
  return fetchCall;
}
