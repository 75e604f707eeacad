/**
 * The Talkstack client: one POST per call with the caller's credential, retries with
 * backoff, and every outcome classified into a domain error.
 *
 * Each try takes a slot of the process-wide scheduler (fairly, per tenant), runs one
 * transport try (timer, body cap), and gives the slot back before anything else happens; a
 * retry sleeps without a slot and queues again like a new request. The `Cancellation`
 * stops the whole thing at whatever step it is in when nobody awaits the call any more.
 * A `recorder` (metrics) and a `tracer` (tracing) hear about each try when given; without
 * them a try costs nothing more.
 */
import type { CallDataError } from '../calls/callDataErrors.js';
import type { TryResult, UpstreamGovernor } from '../governor/upstreamGovernor.js';
import { type Cancellation, CANCELLED_ERROR } from './cancellation.js';
import { type Credential } from '../identity/credential.js';
import { decodeCall, parseJson, type TalkstackCall } from './decode.js';
import { rateLimited, upstreamFailure } from './upstreamFailures.js';
import { backoffMs, isTableStatus, retryAfterMs } from './retryPolicy.js';
import type { UpstreamScheduler } from './scheduler.js';
import { createTransport, type TryOutcome } from './transport.js';
import type { Dispatcher } from 'undici';
import { CALL_PATH, type CallRequestBody } from './wire.js';

const CALL_URL_PATH = `/${CALL_PATH}`;

export interface TalkstackClientOptions {
  /** upstream base URL, e.g. `https://api.talkstackai.com` */
  baseUrl: string;
  /** per try: connecting, headers and the whole body */
  timeoutMs: number;
  /** further tries after a 429, 5xx, network error or timeout */
  retries: number;
  /** largest upstream answer read (`UPSTREAM_MAX_BODY_BYTES`) */
  maxBodyBytes: number;
  /** the process-wide upstream slots */
  scheduler: UpstreamScheduler;
  /**
   * Pacing, circuit breakers and wait budgets per tenant (governor/upstreamGovernor.ts).
   * Without one, a 429 is retried like a 5xx (tests of the client alone).
   */
  governor?: UpstreamGovernor;
  /** sends of one call at most, 429s included (3 + UPSTREAM_RETRIES); default retries + 1 */
  maxSends?: number;
  /** counts every try (metrics); without one nothing is measured */
  recorder?: TryRecorder;
  /** traces tries (tracing); without one no span is made and no `traceparent` sent */
  tracer?: TryTracer;
  /** for tests: where tries are dispatched instead of a Pool of the base URL (transport.ts) */
  dispatcher?: Dispatcher;
}

/** Told how every upstream try ended (metrics). */
export interface TryRecorder {
  /**
   * @param answered whether the answer was taken as the result (a call, or null for a 404)
   * @param seconds from sending the try to its outcome (the wait for a slot excluded)
   */
  record(outcome: TryOutcome, answered: boolean, seconds: number): void;
}

/** Makes a span per upstream try of a traced operation (tracing). */
export interface TryTracer {
  /** A try (`tryNumber` from 1) is about to be sent: its span, or undefined when the request is not traced. */
  start(request: CallRequestBody, tryNumber: number, headers: Readonly<Record<string, string>>): TrySpan | undefined;
}

export interface TrySpan {
  /** the headers to send: the given ones and a `traceparent` naming this span */
  readonly headers: Readonly<Record<string, string>>;
  end(outcome: TryOutcome, answered: boolean): void;
}

export interface TalkstackClient {
  /**
   * The call, or null when Talkstack does not know it (404). Rejects with a `CallDataError`,
   * or with `CancelledError` once `cancellation` fires; never with anything carrying the
   * credential.
   */
  fetchCall(request: CallRequestBody, credential: Credential, cancellation?: Cancellation): Promise<TalkstackCall | null>;
  /** closes pooled upstream connections */
  close(): Promise<void>;
}

/** How a try ended, for the retry loop: a result, or a failure that may be worth another try. */
type Verdict =
  | { readonly done: true; readonly call: TalkstackCall | null }
  | { readonly done: false; readonly retried: boolean; readonly fail: () => CallDataError; readonly waitMs?: number; readonly limited?: true };

const NOT_FOUND: Verdict = { done: true, call: null };

const failure = (retried: boolean, fail: () => CallDataError, waitMs?: number): Verdict => ({ done: false, retried, fail, waitMs });

// Failures are built only when the client gives up, never for a try that is retried.
const timedOut = failure(true, () => upstreamFailure('UPSTREAM_TIMEOUT'));
const tooLarge = failure(false, () => upstreamFailure('UPSTREAM_BAD_RESPONSE', 'Talkstack answered with a body larger than UPSTREAM_MAX_BODY_BYTES.'));
const badUserInput = failure(false, () => upstreamFailure('BAD_USER_INPUT'));
const unauthenticated = failure(false, () => upstreamFailure('UNAUTHENTICATED'));
const forbidden = failure(false, () => upstreamFailure('FORBIDDEN'));
const notACall = failure(false, () => upstreamFailure('UPSTREAM_BAD_RESPONSE'));

function judge(outcome: TryOutcome, now: number): Verdict {
  switch (outcome.kind) {
    case 'timeout':
      return timedOut;
    case 'tooLarge':
      return tooLarge;
    case 'cancelled':
      throw CANCELLED_ERROR;
    case 'network': {
      const cause = outcome.cause;
      return failure(true, () => upstreamFailure('UPSTREAM_ERROR', 'Talkstack could not be reached.', cause));
    }
    case 'malformed': {
      const cause = outcome.cause;
      return failure(false, () => upstreamFailure('UPSTREAM_ERROR', 'Talkstack answered with something that is not valid HTTP.', cause));
    }
    case 'oddStatus': {
      const status = outcome.status;
      return failure(false, () => upstreamFailure('UPSTREAM_ERROR', `Talkstack answered with an unexpected status (HTTP ${status}).`));
    }
    case 'answer':
      return judgeAnswer(outcome.status, outcome.body, outcome.retryAfter, now);
  }
}

function judgeAnswer(status: number, body: Buffer | undefined, retryAfter: string | string[] | undefined, now: number): Verdict {
  if (isTableStatus(status)) {
    if (status === 404) return NOT_FOUND;
    if (status === 400) return badUserInput;
    if (status === 401) return unauthenticated;
    if (status === 403) return forbidden;
    const waitMs = retryAfterMs(retryAfter, now);
    if (status === 429) return { done: false, retried: true, fail: () => rateLimited(waitMs), waitMs, limited: true };
    return failure(true, () => upstreamFailure('UPSTREAM_ERROR', `Talkstack failed to answer (HTTP ${status}).`), waitMs);
  }
  const call = body === undefined ? null : decodeCall(parseJson(body.toString('utf8')));
  if (call) return { done: true, call };
  if (status >= 200 && status < 300) return notACall;
  return failure(false, () => upstreamFailure('UPSTREAM_ERROR', `Talkstack answered with an unexpected status (HTTP ${status}).`));
}

/** How a try counts for the governor: pacing learns from 429s, the breaker from failures. */
function resultOf(outcome: TryOutcome): TryResult {
  switch (outcome.kind) {
    case 'answer':
      return outcome.status === 429 ? 'limited' : outcome.status >= 500 ? 'failed' : 'accepted';
    case 'tooLarge':
      return 'accepted';
    case 'cancelled':
      return 'cancelled';
    default:
      return 'failed';
  }
}

/** Resolves after `ms`, or rejects with CancelledError as soon as `cancellation` fires. */
function sleep(ms: number, cancellation: Cancellation | undefined): Promise<void> {
  if (cancellation?.cancelled) return Promise.reject(CANCELLED_ERROR);
  return new Promise((resolve, reject) => {
    const unlisten = cancellation?.listen(() => {
      clearTimeout(timer);
      reject(CANCELLED_ERROR);
    });
    const timer = setTimeout(() => {
      unlisten?.();
      resolve();
    }, ms);
  });
}

export function createTalkstackClient(options: TalkstackClientOptions): TalkstackClient {
  const { scheduler, retries, recorder, tracer, governor } = options;
  const maxSends = options.maxSends ?? retries + 1;
  const transport = createTransport({
    baseUrl: options.baseUrl,
    connections: scheduler.limit,
    timeoutMs: options.timeoutMs,
    maxBodyBytes: options.maxBodyBytes,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });

  const observe = (outcome: TryOutcome, answered: boolean, sentAt: number, span: TrySpan | undefined) => {
    recorder?.record(outcome, answered, (performance.now() - sentAt) / 1000);
    span?.end(outcome, answered);
  };

  return {
    close: () => transport.close(),
    async fetchCall(request, credential, cancellation) {
      const body = JSON.stringify({ sid: request.sid, projectId: request.projectId } satisfies CallRequestBody);
      const headers = credential.upstreamHeaders;
      const governed = governor?.begin(credential.tenantIds, request, cancellation?.origin ?? cancellation);
      let retry = 0;
      // A 429'd call keeps its place at the head of its tenant's queue.
      let first = false;
      for (;;) {
        if (cancellation?.cancelled) throw CANCELLED_ERROR;
        if (governed) {
          const admitted = governor?.admit(governed, cancellation, first);
          if (admitted) await admitted;
        }
        let release = scheduler.tryAcquire();
        if (!release) {
          // Queued for a slot: counted toward MAX_WAITING_CALLS_PER_TENANT (refused unsent past it).
          const leave = governed && governor?.waitForSlot(governed);
          try {
            release = await scheduler.acquire(scheduler.queueOf(credential.tenantIds), cancellation);
          } catch (error) {
            if (governed) governor?.finished(governed, 'cancelled', undefined, undefined);
            throw error;
          } finally {
            leave?.();
          }
        }
        if (governed && governor) {
          // Waiting for the slot, the tenant's breaker may have opened or a 429 paused it.
          const refusal = governor.refusalAfterWait(governed);
          if (refusal) {
            release();
            throw refusal;
          }
          if (!governor.stillUnpaused(governed)) {
            release();
            first = true;
            continue;
          }
        }
        const span = tracer?.start(request, governed ? governed.sends : retry + 1, headers);
        const sentAt = recorder ? performance.now() : 0;
        let outcome: TryOutcome;
        try {
          outcome = await transport.send(CALL_URL_PATH, span ? span.headers : headers, body, cancellation);
        } finally {
          release();
        }
        let verdict: Verdict | undefined;
        try {
          if (governed) {
            const answer = outcome.kind === 'answer' ? outcome : undefined;
            const retryAfter = answer?.retryAfter === undefined ? undefined : retryAfterMs(answer.retryAfter, Date.now());
            governor?.finished(governed, resultOf(outcome), retryAfter, answer?.rateLimit);
          }
          verdict = judge(outcome, Date.now());
        } finally {
          // Also when judge throws (a cancelled try: not answered).
          if (recorder || span) observe(outcome, verdict?.done === true, sentAt, span);
        }
        if (verdict.done) return verdict.call;
        if (verdict.limited && governed && governor) {
          // Pacing's business, not a retry: the tenant paused; the call goes again when it
          // may, unless that is past its wait budget or its sends are spent.
          if (governed.sends >= maxSends || !governor.fitsBudget(governed)) throw governor.limitedError(governed);
          first = true;
          continue;
        }
        first = false;
        if (!verdict.retried || retry >= retries || (governed !== undefined && governed.sends >= maxSends)) throw verdict.fail();
        // The breaker is open (this try, a probe maybe, did not close it): no retry waits for it.
        const open = governed && governor?.refusalAfterWait(governed);
        if (open) throw open;
        retry++;
        const waitMs = verdict.waitMs ?? backoffMs(retry);
        await (governed && governor ? governor.retryWait(governed, waitMs, cancellation) : sleep(waitMs, cancellation));
      }
    },
  };
}
