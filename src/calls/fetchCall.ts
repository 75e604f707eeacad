/**
 * The path from an address to a mapped call: upstream fetch, then mapping. This is the seam
 * where the cross-request cache of final calls wraps the upstream fetch.
 */
import { isCallDataError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { TalkstackClient } from '../talkstack/client.js';
import type { FetchCall } from './callLoader.js';
import { mapCall } from './mapCall.js';

/** Failures worth an operator's attention (the others are the caller's own mistakes). */
const UPSTREAM_FAILURES = new Set(['RATE_LIMITED', 'UPSTREAM_ERROR', 'UPSTREAM_TIMEOUT', 'UPSTREAM_BAD_RESPONSE']);

export function upstreamFetchCall(client: TalkstackClient, logger: Logger): FetchCall {
  return async (address, credential) => {
    try {
      const upstream = await client.fetchCall(address, credential);
      return upstream && mapCall(address, upstream);
    } catch (error) {
      if (isCallDataError(error) && UPSTREAM_FAILURES.has(error.code)) {
        // The credential's digest, never the credential: enough to tell tenants apart.
        logger.warn({ code: error.code, sid: address.sid, projectId: address.projectId, credential: credential.id }, error.message);
      }
      throw error;
    }
  };
}
