/**
 * The Talkstack client: one POST per call, with the caller's credential, a per-try timeout,
 * retries with backoff, and every outcome classified into a domain error.
 *
 * ky drives retries and backoff. The limiter slot and the per-try timeout live in the
 * transport handed to ky as its `fetch` (see transport.ts), so that
 *   - a request waiting to retry (Retry-After, backoff) does not hold a concurrency slot, and
 *   - the timeout covers the whole try, body included (ky's own stops at the headers).
 */
import ky, { HTTPError } from 'ky';
import {
  BadUserInputError,
  type CallDataError,
  ForbiddenError,
  RateLimitedError,
  UnauthenticatedError,
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamTimeoutError,
} from '../errors.js';
import { type Credential, credentialHeaders } from './credentials.js';
import { decodeCall, parseJson, type TalkstackCall } from './decode.js';
import type { Limiter } from './limiter.js';
import { createTransport, TryTimeoutError } from './transport.js';
import { CALL_PATH, type CallRequestBody } from './wire.js';

export interface TalkstackClientOptions {
  /** upstream base URL, e.g. `https://api.talkstackai.com` */
  baseUrl: string;
  /** per try, body included */
  timeoutMs: number;
  /** further tries after a 429, 5xx, network error or timeout */
  retries: number;
  /** bounds upstream requests in flight; shared by every request of the process */
  limiter: Limiter;
}

export interface TalkstackClient {
  /**
   * The call, or null when Talkstack does not know it (404).
   * Rejects only with a `CallDataError`; never with anything carrying the credential.
   */
  fetchCall(request: CallRequestBody, credential: Credential): Promise<TalkstackCall | null>;
  /** closes pooled upstream connections */
  close(): void;
}

const RETRY_AFTER_CAP_MS = 5000;
const BACKOFF_FIRST_MS = 100;
const BACKOFF_CAP_MS = 2000;
const SERVER_ERRORS = Array.from({ length: 100 }, (_, i) => 500 + i);
const RETRIED_STATUSES = [429, ...SERVER_ERRORS];
/** Statuses of the contract's error table; any other non-2xx with a string `status` is the call. */
const isTableStatus = (status: number) => [400, 401, 403, 404, 429].includes(status) || status >= 500;

export function createTalkstackClient(options: TalkstackClientOptions): TalkstackClient {
  const transport = createTransport({
    timeoutMs: options.timeoutMs,
    limiter: options.limiter,
    protocol: new URL(options.baseUrl).protocol,
  });

  const api = ky.create({
    prefixUrl: options.baseUrl,
    fetch: transport,
    timeout: false,
    throwHttpErrors: (status) => RETRIED_STATUSES.includes(status),
    retry: {
      limit: options.retries,
      methods: ['post'],
      statusCodes: RETRIED_STATUSES,
      afterStatusCodes: RETRIED_STATUSES,
      maxRetryAfter: RETRY_AFTER_CAP_MS,
      backoffLimit: BACKOFF_CAP_MS,
      delay: (attempt) => BACKOFF_FIRST_MS * 2 ** (attempt - 1),
      jitter: false,
      retryOnTimeout: true,
    },
  });

  return {
    close: () => transport.close(),
    async fetchCall(request, credential) {
      let response: Response;
      try {
        response = await api.post(CALL_PATH, {
          json: { sid: request.sid, projectId: request.projectId } satisfies CallRequestBody,
          headers: credentialHeaders(credential),
        });
      } catch (error) {
        throw classifyFailure(error);
      }
      return readCall(response);
    },
  };
}

/** A thrown outcome (after ky's retries) as a domain error; the original is dropped on purpose. */
function classifyFailure(error: unknown): CallDataError {
  if (error instanceof HTTPError) {
    return error.response.status === 429
      ? new RateLimitedError('Talkstack rate limit reached (429); try again later.')
      : new UpstreamError(`Talkstack failed to answer (HTTP ${error.response.status}).`);
  }
  if (error instanceof TryTimeoutError) {
    return new UpstreamTimeoutError('Talkstack did not answer in time.');
  }
  return new UpstreamError('Talkstack could not be reached.');
}

/** A response ky did not throw for: a 2xx, or a status that is not retried. */
async function readCall(response: Response): Promise<TalkstackCall | null> {
  const { status } = response;
  if (status === 404) return null;
  if (status === 400) throw new BadUserInputError('Talkstack rejected the request as invalid (400).');
  if (status === 401) throw new UnauthenticatedError('Talkstack did not accept the credential (401).');
  if (status === 403) throw new ForbiddenError('The credential may not read this call (403).');

  const body = parseJson(await response.text());
  const call = decodeCall(body);
  if (status >= 200 && status < 300) {
    if (call) return call;
    throw new UpstreamBadResponseError('Talkstack answered with something that is not a call.');
  }
  if (call && !isTableStatus(status)) return call;
  throw new UpstreamError(`Talkstack answered with an unexpected status (HTTP ${status}).`);
}
