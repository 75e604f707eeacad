/**
 * When an upstream try is worth another, and how long to wait first (contract: "Retries").
 * Pure functions: the client decides, the scheduler and timers do the waiting.
 */

export const RETRY_AFTER_CAP_MS = 5000;
const BACKOFF_FIRST_MS = 100;
const BACKOFF_CAP_MS = 2000;

/** 429 and 5xx are retried; every other status is an answer. */
export function isRetriedStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/**
 * Statuses of the contract's error table: they decide the outcome by themselves, so their
 * body is never read. Any other status (2xx, and 3xx/4xx outside the table) is parsed: a
 * non-2xx whose JSON body has a string `status` is the call.
 */
export function isTableStatus(status: number): boolean {
  return status === 400 || status === 401 || status === 403 || status === 404 || status === 429 || (status >= 500 && status <= 599);
}

const DELTA_SECONDS = /^\d+(\.\d+)?$/;
/** The three HTTP-date forms recipients must accept (RFC 9110 §5.6.7). */
const HTTP_DATES = [
  /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/, // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
  /^[A-Za-z]{6,9}, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/, // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
  /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/, // asctime: Sun Nov  6 08:49:37 1994 (GMT)
];

/**
 * A valid `Retry-After` (delta seconds or an HTTP-date) in milliseconds from `now`, capped
 * at 5 s; undefined when absent or unparsable, which means "not sent": normal backoff. Other
 * rate-limit headers (X-RateLimit-Reset…) are not part of the contract and are ignored.
 */
export function retryAfterMs(header: string | string[] | undefined, now: number): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  let ms: number;
  if (DELTA_SECONDS.test(value)) {
    ms = Number(value) * 1000;
  } else if (HTTP_DATES.some((form) => form.test(value))) {
    // asctime carries no zone; HTTP dates are always GMT.
    const at = Date.parse(/GMT$/.test(value) ? value : `${value} GMT`);
    if (!Number.isFinite(at)) return undefined;
    ms = Math.max(0, at - now);
  } else {
    return undefined;
  }
  return Math.min(ms, RETRY_AFTER_CAP_MS);
}

/** Wait before retry number `retry` (1 for the first): 100 ms, 200 ms, 400 ms…, at most 2 s. */
export function backoffMs(retry: number): number {
  return Math.min(BACKOFF_FIRST_MS * 2 ** (retry - 1), BACKOFF_CAP_MS);
}
