/**
 * The path from an address to a mapped call: upstream fetch, then mapping, with failures
 * worth an operator's attention logged. `callFetcher` puts shared in-flight fetches in front
 * of this upstream path; the server puts the cache of final calls (finalCallCache.ts) in
 * front of those, and the loader asks that.
 */
import { isCallDataError } from '../errors.js';
import type { LogFingerprint } from '../logFingerprint.js';
import type { Logger } from '../logger.js';
import { clipForLog } from '../logText.js';
import type { TalkstackClient } from '../talkstack/client.js';
import { mapCall } from './mapCall.js';
import { shareFetchCall, type SharedFetchCall, type UpstreamFetchCall } from './sharedFetchCall.js';

/** Failures worth an operator's attention (the others are the caller's own mistakes). */
const UPSTREAM_FAILURES = new Set(['RATE_LIMITED', 'UPSTREAM_ERROR', 'UPSTREAM_TIMEOUT', 'UPSTREAM_BAD_RESPONSE']);

export interface UpstreamLogging {
  logger: Logger;
  /** how lines name a credential (never the credential, nor its plain digest) */
  fingerprint: LogFingerprint;
  /** the upstream's `host[:port]`, without credentials or path, for lines about it */
  upstreamHost: string;
}

export function upstreamFetchCall(client: TalkstackClient, { logger, fingerprint, upstreamHost }: UpstreamLogging): UpstreamFetchCall {
  return async (address, credential, cancellation) => {
    try {
      const upstream = await client.fetchCall(address, credential, cancellation);
      return upstream && mapCall(address, upstream);
    } catch (error) {
      if (isCallDataError(error) && UPSTREAM_FAILURES.has(error.code)) {
        logger.warn(
          {
            code: error.code,
            cause: error.detail,
            upstream: upstreamHost,
            sid: clipForLog(address.sid),
            projectId: clipForLog(address.projectId),
            credential: fingerprint(credential),
          },
          error.message,
        );
      }
      throw error;
    }
  };
}

export function callFetcher(client: TalkstackClient, logging: UpstreamLogging): SharedFetchCall {
  return shareFetchCall(upstreamFetchCall(client, logging));
}
