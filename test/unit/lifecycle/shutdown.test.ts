/**
 * The stop sequence (lifecycle/shutdown.ts) with a fake server: drain, wait SHUTDOWN_DELAY_MS,
 * close with SHUTDOWN_GRACE_MS, close the rest, exit 0; a second signal exits at once with
 * 128 + its number; a failing step exits 1. (The compiled server stopped by signals:
 * integration/lifecycle/shutdown.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { exitCodeForSignal, shutdownSequence } from '../../../src/lifecycle/shutdown.js';

describe('the stop sequence', () => {
  function fakeServer() {
    const steps: string[] = [];
    return {
      steps,
      server: {
        drain: () => void steps.push('drain'),
        close: async (graceMs: number) => void steps.push(`close(${graceMs})`),
      },
    };
  }

  it('drains, waits the delay, closes with the grace period, closes the rest, exits 0', async () => {
    const { steps, server } = fakeServer();
    const exits: number[] = [];
    const { stop } = shutdownSequence({
      server,
      delayMs: 30,
      graceMs: 1234,
      alsoClose: [async () => void steps.push('simulator')],
      log: () => {},
      exit: (code) => void exits.push(code),
    });
    const started = Date.now();
    const done = stop('SIGTERM');
    expect(steps).toEqual(['drain']);
    await done;
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(steps).toEqual(['drain', 'close(1234)', 'simulator']);
    expect(exits).toEqual([0]);
  });

  it('a second signal exits at once with 128 + its number', async () => {
    const { server } = fakeServer();
    const exits: number[] = [];
    const { stop } = shutdownSequence({ server, delayMs: 60_000, graceMs: 0, log: () => {}, exit: (code) => void exits.push(code) });
    void stop('SIGTERM');
    await stop('SIGINT');
    expect(exits).toEqual([130]);
    expect(exitCodeForSignal('SIGTERM')).toBe(143);
  });

  it('a failing step exits 1', async () => {
    const exits: number[] = [];
    const { stop } = shutdownSequence({
      server: { drain: () => {}, close: () => Promise.reject(new Error('boom')) },
      delayMs: 0,
      graceMs: 0,
      log: () => {},
      exit: (code) => void exits.push(code),
    });
    await stop('SIGTERM');
    expect(exits).toEqual([1]);
  });
});
