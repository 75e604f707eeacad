/**
 * The retry policy on its own (talkstack/retryPolicy.ts): when a try is retried and how long the
 * client waits first (contract: "Retries"). (The client following it over HTTP:
 * test/integration/talkstack/errorClassification.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { backoffMs, isRetriedStatus, isTableStatus, RETRY_AFTER_CAP_MS, retryAfterMs } from '../../../src/talkstack/retryPolicy.js';

const NOW = Date.parse('Sun, 06 Nov 1994 08:49:30 GMT');

describe('Retry-After', () => {
  it('reads delta seconds, fractions included, capped at 5 s', () => {
    expect(retryAfterMs('0', NOW)).toBe(0);
    expect(retryAfterMs('1', NOW)).toBe(1000);
    expect(retryAfterMs(' 1.5 ', NOW)).toBe(1500);
    expect(retryAfterMs('99999', NOW)).toBe(RETRY_AFTER_CAP_MS);
  });

  it('reads the three HTTP-date forms, relative to now; a past date means at once', () => {
    expect(retryAfterMs('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).toBe(RETRY_AFTER_CAP_MS); // 7 s, capped
    expect(retryAfterMs('Sun, 06 Nov 1994 08:49:33 GMT', NOW)).toBe(3000);
    expect(retryAfterMs('Sunday, 06-Nov-94 08:49:33 GMT', NOW)).toBe(3000);
    expect(retryAfterMs('Sun Nov  6 08:49:33 1994', NOW)).toBe(3000);
    expect(retryAfterMs('Sun, 06 Nov 1994 08:00:00 GMT', NOW)).toBe(0);
  });

  it('treats anything else as not sent (normal backoff)', () => {
    for (const value of [undefined, '', 'soon', '-1', '1e3', 'Sun, 06 Nov 1994 08:49:37 +0000', '2024-01-01T00:00:00Z']) {
      expect(retryAfterMs(value, NOW)).toBeUndefined();
    }
    expect(retryAfterMs(['2', '9'], NOW)).toBe(2000);
  });
});

describe('backoff and statuses', () => {
  it('backs off 100, 200, 400 … ms, at most 2 s', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map(backoffMs)).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
  });

  it('retries 429 and 5xx only; the error table decides without a body', () => {
    expect([429, 500, 503, 599].every(isRetriedStatus)).toBe(true);
    expect([200, 400, 401, 403, 404, 418, 600].some(isRetriedStatus)).toBe(false);
    expect([400, 401, 403, 404, 429, 500, 599].every(isTableStatus)).toBe(true);
    expect([200, 204, 302, 418, 422, 600].some(isTableStatus)).toBe(false);
  });
});
