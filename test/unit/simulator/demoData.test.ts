/**
 * The simulator's demo data on its own (simulator/demoData.ts): about 40 calls with
 * Twilio-style sids, every status of the contract and the spellings clients must tolerate,
 * fields shaped as upstream sends them (finished calls only with seconds, cost and a date), and
 * sample sids that exist. (Served over HTTP: test/integration/simulator/simulator.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { DEMO_CALLS, DEMO_LIVE_SIDS, DEMO_SAMPLE_SIDS } from '../../../src/simulator/index.js';
import { E164_RE, firstCompleted, RECORDING_RE, RFC2822_RE, SID_RE } from '../../support/simulatorHttp.js';

describe('demo data', () => {
  it('has ~40 calls with Twilio-style sids, all distinct', () => {
    const sids = [...DEMO_CALLS.map((call) => call.sid), ...DEMO_LIVE_SIDS];
    expect(sids.length).toBe(40);
    expect(new Set(sids).size).toBe(sids.length);
    for (const sid of sids) expect(sid).toMatch(SID_RE);
    expect(DEMO_LIVE_SIDS.length).toBeGreaterThanOrEqual(2);
  });

  it('covers every status of the contract and the spellings clients must tolerate', () => {
    const statuses = new Set(DEMO_CALLS.map((call) => call.body.status));
    for (const status of [
      'queued', 'initiated', 'ringing', 'in-progress', 'completed', 'voicemail', 'busy', 'silence',
      'failed', 'no-answer', 'canceled', 'cancelled', 'COMPLETED', 'In Progress', 'transferred',
    ]) {
      expect(statuses, status).toContain(status);
    }
  });

  it('gives finished calls seconds, cost and an RFC 2822 date, and unfinished ones none', () => {
    const unfinished = new Set(['queued', 'initiated', 'ringing', 'in-progress', 'In Progress']);
    for (const { sid, body } of DEMO_CALLS) {
      expect(body.callSid).toBe(sid);
      for (const phone of [body.from, body.to, body.phoneNumber]) expect(phone).toMatch(E164_RE);
      for (const url of body.recordingUrls ?? []) expect(url).toMatch(RECORDING_RE);
      for (const answer of Object.values(body.data ?? {})) expect(typeof answer).toBe('string');
      if (unfinished.has(body.status)) {
        expect(body.seconds).toBeUndefined();
        expect(body.cost).toBeUndefined();
        expect(body.recordingUrls).toBeUndefined();
      } else {
        expect(body.seconds).toBeGreaterThanOrEqual(0);
        expect(body.cost).toBeGreaterThanOrEqual(0);
        expect(body.date).toMatch(RFC2822_RE);
      }
    }
    const urls = DEMO_CALLS.flatMap((call) => call.body.recordingUrls ?? []);
    expect(urls.some((url) => url.endsWith('.mp3'))).toBe(true);
    expect(urls.some((url) => url.endsWith('.wav'))).toBe(true);
    expect(urls.some((url) => /RE[0-9a-f]{32}$/.test(url))).toBe(true);
    expect(firstCompleted.body.data).toEqual({ employeeGoToWork: 'false', reasonOfCancellation: 'Sick', newDate: '' });
    expect(firstCompleted.body.date).toBe('Tue, 30 Jan 2024 13:39:53 +0000');
  });

  it('names sample sids that exist', () => {
    const known = new Set([...DEMO_CALLS.map((call) => call.sid), ...DEMO_LIVE_SIDS]);
    expect(DEMO_SAMPLE_SIDS.length).toBeGreaterThan(3);
    for (const sample of DEMO_SAMPLE_SIDS) {
      expect(sample.label).not.toBe('');
      expect(known.has(sample.sid)).toBe(true);
    }
  });
});
