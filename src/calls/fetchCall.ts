/**
 * The path from an address to a mapped call: upstream fetch, then mapping. This is the seam
 * where the cross-request cache of final calls wraps the upstream fetch.
 */
import type { TalkstackClient } from '../talkstack/client.js';
import type { FetchCall } from './callLoader.js';
import { mapCall } from './mapCall.js';

export function upstreamFetchCall(client: TalkstackClient): FetchCall {
  return async (address, credential) => {
    const upstream = await client.fetchCall(address, credential);
    return upstream && mapCall(address, upstream);
  };
}
