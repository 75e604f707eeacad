/**
 * The end of the fetch pipeline: one call from Talkstack through the client (fair slots,
 * retries, classification: talkstack/client.ts), mapped to the call this API exposes
 * (calls/mapCall.ts). The fetch's scope is the client's cancellation: once nobody waits, the
 * client stops wherever it is.
 */
import { mapCall } from '../calls/mapCall.js';
import type { TalkstackClient } from '../talkstack/client.js';
import type { FetchCall } from './fetchCall.js';

export function upstreamFetch(client: TalkstackClient): FetchCall {
  return (key, scope) => client.fetchCall(key.address, key.credential, scope).then((upstream) => upstream && mapCall(key.address, upstream));
}
