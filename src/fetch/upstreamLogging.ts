/**
 * The layer that logs upstream failures worth an operator's attention (rate limits, upstream
 * errors, timeouts, bad answers: not the caller's own mistakes), once per upstream fetch: it
 * sits below coalescing, so a failure shared by a hundred waiters is one line. A line names the
 * credential by its log fingerprint and the upstream by its host only, and clips the sid and
 * project a client chose.
 */
import { isCallDataError } from '../calls/callDataErrors.js';
import type { LogFingerprint } from '../logging/logFingerprint.js';
import type { Logger } from '../logging/logger.js';
import { clipForLog } from '../logging/logText.js';
import type { CallKey } from '../identity/keys.js';
import type { FetchLayer } from './fetchCall.js';

/** Failures worth an operator's attention (the others are the caller's own mistakes). */
const UPSTREAM_FAILURES = new Set(['RATE_LIMITED', 'UPSTREAM_ERROR', 'UPSTREAM_TIMEOUT', 'UPSTREAM_BAD_RESPONSE']);

export interface UpstreamLoggingOptions {
  logger: Logger;
  /** how lines name a credential (never the credential, nor its plain digest) */
  fingerprint: LogFingerprint;
  /** the upstream's `host[:port]`, without credentials or path */
  upstreamHost: string;
}

export function upstreamLogging({ logger, fingerprint, upstreamHost }: UpstreamLoggingOptions): FetchLayer {
  const logged = (key: CallKey) => (error: unknown) => {
    if (isCallDataError(error) && UPSTREAM_FAILURES.has(error.code)) {
      logger.warn(
        {
          code: error.code,
          cause: error.detail,
          upstream: upstreamHost,
          sid: clipForLog(key.address.sid),
          projectId: clipForLog(key.address.projectId),
          credential: fingerprint(key.credential),
        },
        error.message,
      );
    }
    throw error;
  };
  return (next) => (key, scope) => next(key, scope).catch(logged(key));
}
