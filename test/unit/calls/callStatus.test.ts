/**
 * Upstream status strings to the API's `CallStatus` (calls/callStatus.ts; contract: "Mapping
 * rules"): every spelling the contract names, in any case and with `-`, `_` or spaces between
 * words; anything else is UNKNOWN and not final; which statuses are final; and `mapCall` keeping
 * `upstreamStatus` as sent beside the status it derives. Examples, then properties (fast-check;
 * arbitraries in test/support/callArbitraries.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CallAddress } from '../../../src/calls/call.js';
import { CALL_STATUSES, isFinalStatus, toCallStatus, type CallStatus } from '../../../src/calls/callStatus.js';
import { mapCall } from '../../../src/calls/mapCall.js';
import { decodedCall } from '../../support/callFixtures.js';
import { KNOWN_STATUSES, statusVariant } from '../../support/callArbitraries.js';

const ADDRESS: CallAddress = { projectId: 'p1', sid: 'CA1' };
const upstream = decodedCall;

const FINAL: readonly CallStatus[] = ['COMPLETED', 'VOICEMAIL', 'BUSY', 'SILENCE', 'FAILED', 'NO_ANSWER', 'CANCELED'];

describe('status', () => {
  const spellings: ReadonlyArray<readonly [string, CallStatus]> = [
    ['queued', 'QUEUED'],
    ['QUEUED', 'QUEUED'],
    ['initiated', 'INITIATED'],
    ['Initiated', 'INITIATED'],
    ['ringing', 'RINGING'],
    ['RINGING', 'RINGING'],
    ['in-progress', 'IN_PROGRESS'],
    ['In Progress', 'IN_PROGRESS'],
    ['IN_PROGRESS', 'IN_PROGRESS'],
    ['in_progress', 'IN_PROGRESS'],
    ['In-Progress', 'IN_PROGRESS'],
    ['completed', 'COMPLETED'],
    ['COMPLETED', 'COMPLETED'],
    ['Completed', 'COMPLETED'],
    ['voicemail', 'VOICEMAIL'],
    ['VoiceMail', 'VOICEMAIL'],
    ['busy', 'BUSY'],
    ['Busy', 'BUSY'],
    ['silence', 'SILENCE'],
    ['SILENCE', 'SILENCE'],
    ['failed', 'FAILED'],
    ['FAILED', 'FAILED'],
    ['no-answer', 'NO_ANSWER'],
    ['No Answer', 'NO_ANSWER'],
    ['NO_ANSWER', 'NO_ANSWER'],
    ['NO-ANSWER', 'NO_ANSWER'],
    ['canceled', 'CANCELED'],
    ['cancelled', 'CANCELED'],
    ['CANCELED', 'CANCELED'],
    ['Cancelled', 'CANCELED'],
    ['CANCELLED', 'CANCELED'],
  ];

  it.each(spellings)('%j → %s', (raw, expected) => {
    expect(toCallStatus(raw)).toBe(expected);
  });

  it.each(['transferred', 'answered', '', 'inprogress', 'unknown-thing', 'complete'])('unknown %j → UNKNOWN, not final', (raw) => {
    expect(toCallStatus(raw)).toBe('UNKNOWN');
    expect(isFinalStatus(toCallStatus(raw))).toBe(false);
  });

  it('isFinal exactly for COMPLETED VOICEMAIL BUSY SILENCE FAILED NO_ANSWER CANCELED', () => {
    expect([...CALL_STATUSES].sort()).toEqual(
      ['QUEUED', 'INITIATED', 'RINGING', 'IN_PROGRESS', ...FINAL, 'UNKNOWN'].sort(),
    );
    for (const status of CALL_STATUSES) {
      expect(isFinalStatus(status), status).toBe(FINAL.includes(status));
    }
  });

  it('mapCall keeps upstreamStatus exactly as sent and derives status and isFinal', () => {
    for (const [raw, expected] of spellings) {
      const call = mapCall(ADDRESS, upstream({ status: raw }));
      expect(call.upstreamStatus).toBe(raw);
      expect(call.status).toBe(expected);
      expect(call.isFinal).toBe(FINAL.includes(expected));
    }
    const unknown = mapCall(ADDRESS, upstream({ status: 'Transferred' }));
    expect(unknown).toMatchObject({ status: 'UNKNOWN', upstreamStatus: 'Transferred', isFinal: false });
  });
});

describe('property 3: status mapping', () => {
  it('toCallStatus never throws on arbitrary strings and returns a member of CALL_STATUSES', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })), (text) => {
        const status = toCallStatus(text);
        expect(CALL_STATUSES).toContain(status);
        expect(typeof isFinalStatus(status)).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });

  it('case and `-` / `_` / space runs between words never change the result of a known status', () => {
    fc.assert(
      fc.property(statusVariant, ({ name, variant }) => {
        expect(toCallStatus(variant)).toBe(KNOWN_STATUSES[name]);
        expect(toCallStatus(variant)).toBe(toCallStatus(name));
      }),
      { numRuns: 1000 },
    );
  });
});
