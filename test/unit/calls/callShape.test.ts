/**
 * What a call read back from shared storage (Redis) must look like (calls/callShape.ts): every
 * call this server's mapping produces is read back as it is, in the same JSON. (What is refused,
 * through two servers sharing Redis: test/integration/fetch/redisSharedCache.test.ts; in poll
 * messages: test/integration/subscriptions/redisPollers.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { sharedCallOf } from '../../../src/calls/callShape.js';
import { MAX_DATA_DEPTH } from '../../../src/calls/dataDepth.js';
import { mapCall } from '../../../src/calls/mapCall.js';
import { decodedCall } from '../../support/callFixtures.js';

const RECORDING = 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE0123456789abcdef0123456789abcdef.mp3';

describe('a call read back from shared storage (callShape.ts)', () => {
  const upstream = decodedCall;
  const nested = (levels: number): Record<string, unknown> => JSON.parse('{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1)) as Record<string, unknown>;

  it('every call the mapping produces is read back as it is, in the same JSON', () => {
    const address = { projectId: 'p:1/ä', sid: 'CAshape' };
    const bodies = [
      upstream({}),
      upstream({ status: 'In Progress' }),
      upstream({ status: 'cancelled', seconds: 12.7, cost: 0, from: '+1 (415) 555-0132', to: '+44 20 7946 0958', phoneNumber: 'nope', date: 'Tue, 30 Jan 2024 13:39:53 +0100' }),
      upstream({ status: 'something new', date: '2024-02-29T23:59:60+02:00', seconds: -1, cost: Number.NaN }),
      upstream({ recordingUrls: [RECORDING, 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE0123456789abcdef0123456789abcdef', 'http://x.example/a b/ü.WAV?x=1#y', 'javascript:alert(1)', 'relative.mp3'] }),
      upstream({ partnerId: ' P1 ', shiftId: '7', data: { employeeGoToWork: 'maybe', reasonOfCancellation: ' ill ', newDate: 'tomorrow' } }),
      upstream({ data: { deep: nested(MAX_DATA_DEPTH + 10), list: [[[1]], JSON.parse('{"__proto__": {"x": 1}}') as unknown], text: 'ü\u2028' } }),
    ];
    for (const body of bodies) {
      const call = mapCall(address, body);
      const json = JSON.stringify(call);
      const read = sharedCallOf(JSON.parse(json), address);
      expect(read, json).toEqual(call);
      expect(JSON.stringify(read)).toBe(json);
    }
  });
});
