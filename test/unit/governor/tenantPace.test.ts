/**
 * One tenant's pace (governor/tenantPace.ts) on a hand-driven clock: unknown at first, learned
 * from the first 429 out of what was accepted, paused by Retry-After, slower on another 429,
 * raised again under demand up to 95 % of what was learned, set by announced headers and by
 * UPSTREAM_RATE_LIMIT.
 */
import { describe, expect, it } from 'vitest';
import { MAX_PAUSE_MS, TenantPace } from '../../../src/governor/tenantPace.js';

/** Sends as fast as the pace allows from `from` for `ms`, `backlogged`; returns the send times. */
function sendAll(pace: TenantPace, from: number, ms: number): number[] {
  const sent: number[] = [];
  let now = from;
  while (now < from + ms) {
    const ready = pace.readyAt(now);
    if (ready >= from + ms) break;
    now = ready;
    pace.take(now, true);
    pace.accepted(now);
    sent.push(now);
  }
  return sent;
}

describe('tenant pace', () => {
  it('unknown: never holds a send back', () => {
    const pace = new TenantPace(undefined);
    for (let i = 0; i < 1000; i++) pace.take(5, true);
    expect(pace.readyAt(5)).toBe(5);
    expect(pace.paced(5)).toBe(false);
    expect(pace.plain).toBe(true);
  });

  it('UPSTREAM_RATE_LIMIT paces from the start, smoothly, and is never exceeded', () => {
    const pace = new TenantPace(50);
    const sent = sendAll(pace, 0, 10_000);
    // 50/s over 10 s (a burst of one interval aside), never more
    expect(sent.length).toBeGreaterThanOrEqual(499);
    expect(sent.length).toBeLessThanOrEqual(502);
    expect(pace.rate).toBe(50);
  });

  it('a first 429 pauses for Retry-After and learns a rate a little under what was accepted in the last second', () => {
    const pace = new TenantPace(undefined);
    for (let i = 0; i < 51; i++) pace.accepted(1000 + i);
    pace.limited(1060, 1000);
    expect(pace.pausedUntil).toBe(2060);
    expect(pace.rate).toBeCloseTo(51 * 0.9);
    expect(pace.readyAt(1100)).toBe(2060);
    // refused tries already in flight teach nothing more
    pace.limited(1070, 1000);
    expect(pace.rate).toBeCloseTo(51 * 0.9);
  });

  it('without Retry-After the pause is 1 s; a long one is capped at 5 s', () => {
    const pace = new TenantPace(undefined);
    pace.limited(0, undefined);
    expect(pace.pausedUntil).toBe(1000);
    pace.limited(2000, 60_000);
    expect(pace.pausedUntil).toBe(2000 + MAX_PAUSE_MS);
  });

  it('raised under demand up to 95 % of the limit learned, then no further for 30 s; a 429 while paced: 10 % slower', () => {
    const pace = new TenantPace(undefined);
    for (let i = 0; i < 50; i++) pace.accepted(i);
    pace.limited(100, 0);
    expect(pace.rate).toBeCloseTo(45);
    sendAll(pace, 100, 10_000);
    expect(pace.rate).toBeCloseTo(50 * 0.95);
    sendAll(pace, 10_100, 10_000);
    expect(pace.rate).toBeCloseTo(50 * 0.95);
    pace.limited(20_200, 1000);
    expect(pace.rate).toBeCloseTo(50 * 0.95 * 0.9);
  });

  it('announced quota sets the rate and caps it; remaining 0 pauses until the reset', () => {
    const pace = new TenantPace(undefined);
    pace.announced(0, 20, 5, 1000);
    expect(pace.rate).toBeCloseTo(19);
    expect(pace.pausedUntil).toBe(0);
    pace.announced(10, undefined, 0, 700);
    expect(pace.pausedUntil).toBe(710);
    sendAll(pace, 1000, 60_000);
    expect(pace.rate).toBeLessThanOrEqual(20);
  });

  it('predicts the wait of a call behind others', () => {
    const pace = new TenantPace(10);
    pace.take(0, false);
    expect(pace.predictWaitMs(0, 0)).toBe(100);
    expect(pace.predictWaitMs(0, 10)).toBe(1100);
  });
});
