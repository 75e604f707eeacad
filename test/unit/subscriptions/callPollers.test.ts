/**
 * The shared pollers on their own (subscriptions/callPollers.ts), over a fake fetch pipeline:
 * what a listener's failure costs the others (a listener that throws is logged without the
 * payload and skipped; the others still get every outcome, a late joiner's copy included).
 * (Over HTTP and with Redis:
 * test/integration/subscriptions/sharedPollers.test.ts and redisPollers.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { Call, CallAddress } from '../../../src/calls/call.js';
import { makeCredential } from '../../../src/identity/credential.js';
import { callKeyOf } from '../../../src/identity/keys.js';
import { createLogger } from '../../../src/logging/logger.js';
import { DEMO_API_KEY, DEMO_PROJECT_ID } from '../../../src/simulator/index.js';
import { CallPollers, type PollOutcome } from '../../../src/subscriptions/callPollers.js';
import { mappedCall } from '../../support/callFixtures.js';
import { waitUntil } from '../../support/sse.js';

function liveCall({ projectId, sid }: CallAddress): Call {
  return mappedCall({ sid, projectId, status: 'RINGING', upstreamStatus: 'ringing', isFinal: false });
}

describe('call pollers: one failing listener', () => {
  it('a listener that throws is skipped and logged without the payload; the others still get every outcome', async () => {
    const logs: string[] = [];
    let polls = 0;
    const pollers = new CallPollers({
      fetchCall: async (key) => {
        polls++;
        return { ...liveCall(key.address), upstreamStatus: `ringing` };
      },
      intervalMs: 20,
      logger: createLogger('debug', { write: (line: string) => void logs.push(line) }),
    });
    const credential = makeCredential(undefined, DEMO_API_KEY);
    if (!credential) throw new Error('no credential');
    const key = callKeyOf(credential, { projectId: DEMO_PROJECT_ID, sid: 'CAthrowing' });
    const got: PollOutcome[] = [];
    const offThrowing = pollers.subscribe(key, () => {
      throw new TypeError('listener bug');
    });
    const off = pollers.subscribe(key, (outcome) => void got.push(outcome));
    try {
      await waitUntil(() => got.length >= 3, 'three outcomes reached the second listener');
      // Joining a poller that has the call: the throwing listener's copy is caught too.
      const offLate = pollers.subscribe(key, () => {
        throw new TypeError('late listener bug');
      });
      offLate();
    } finally {
      offThrowing();
      off();
      await pollers.close();
    }
    expect(polls).toBeGreaterThanOrEqual(3);
    const failures = logs.filter((line) => line.includes('subscriber failed'));
    expect(failures.length).toBeGreaterThanOrEqual(4);
    for (const line of failures) expect(line).not.toContain('CAthrowing');
  });
});

