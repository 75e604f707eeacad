/**
 * What rate-limit headers announce (governor/rateLimitHeaders.ts): each form met in the wild,
 * and values that are not sane ignored rather than trusted.
 */
import { describe, expect, it } from 'vitest';
import { announcedLimitOf, rateLimitHeaderValuesOf } from '../../../src/governor/rateLimitHeaders.js';

const NOW = 1_700_000_000_000;
const announced = (headers: Record<string, string>) => {
  const values = rateLimitHeaderValuesOf(headers);
  return values && announcedLimitOf(values, NOW);
};

describe('rate-limit headers', () => {
  it('none: nothing made', () => {
    expect(rateLimitHeaderValuesOf({ 'content-type': 'application/json', 'retry-after': '1' })).toBeUndefined();
  });

  it.each<[string, Record<string, string>, object]>([
    ['IETF structured fields', { 'ratelimit-policy': '"default";q=50;w=1', ratelimit: '"default";r=0;t=1' }, { perSecond: 50, remaining: 0, resetMs: 1000 }],
    ['the strictest of several policies', { 'ratelimit-policy': '"hour";q=1000;w=3600, "burst";q=10;w=1' }, { perSecond: 1000 / 3600 }],
    ['older policy form', { 'ratelimit-policy': '50;w=1', 'ratelimit-remaining': '7', 'ratelimit-reset': '1' }, { perSecond: 50, remaining: 7, resetMs: 1000 }],
    ['older combined form', { ratelimit: 'limit=50, remaining=3, reset=2' }, { remaining: 3, resetMs: 2000 }],
    ['a limit carrying its policy', { 'ratelimit-limit': '100, 100;w=60' }, { perSecond: 100 / 60 }],
    ['a bare limit says no rate', { 'ratelimit-limit': '50', 'ratelimit-remaining': '0', 'ratelimit-reset': '3' }, { remaining: 0, resetMs: 3000 }],
    ['X-RateLimit-* with a reset in Unix seconds', { 'x-ratelimit-limit': '60', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 2) }, { remaining: 0, resetMs: 2000 }],
    ['a reset in Unix ms', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW + 1500) }, { remaining: 0, resetMs: 1500 }],
    ['a reset far away is capped at a minute', { 'ratelimit-remaining': '0', 'ratelimit-reset': '86400' }, { remaining: 0, resetMs: 60_000 }],
    ['junk is ignored', { 'ratelimit-policy': 'q=abc;w=0', 'ratelimit-remaining': '-3', 'ratelimit-reset': 'soon' }, {}],
    ['a zero window is ignored', { 'ratelimit-policy': '50;w=0' }, {}],
  ])('%s', (_name, headers, expected) => {
    expect(announced(headers)).toEqual(expected);
  });
});
