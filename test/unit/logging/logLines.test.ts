/**
 * What log lines say (contract: "No error message or log line ever contains a credential"),
 * in process: an upstream failure is logged once per fetch (fetch/upstreamLogging.ts) naming
 * the credential by a keyed fingerprint (logging/logFingerprint.ts: not its plain SHA-256,
 * stable within an instance, different in another), the upstream by its host and the cause
 * only, and the sid and project a client chose clipped (logging/logText.ts); the logger
 * redacts credential headers should any code log them. The upstream is a closed port, so
 * every fetch fails (test/support/inProcess.ts).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging/logger.js';
import { clipForLog, urlForLog } from '../../../src/logging/logText.js';
import { DEMO_API_KEY, DEMO_PROJECT_ID, DEMO_SAMPLE_SIDS } from '../../../src/simulator/index.js';
import { codesOf, type InProcessServer, inProcessServer } from '../../support/inProcess.js';

const SID = DEMO_SAMPLE_SIDS[0]?.sid as string;

const upstreamWarnings = (server: InProcessServer) =>
  server.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['level'] === 40 && line['code'] !== undefined);

/** An upstream failure for `sid`, so that a warning names the credential. */
async function failOnce(server: InProcessServer, sid: string, projectId = DEMO_PROJECT_ID) {
  const response = await server.gql(`query ($sid: ID!, $p: ID) { call(sid: $sid, projectId: $p) { sid } }`, { sid, p: projectId });
  expect(codesOf(response)).toEqual(['UPSTREAM_ERROR']);
}

describe('log lines of upstream failures', () => {
  it('name a credential by a keyed fingerprint: not its plain SHA-256, stable within an instance, different in another', async () => {
    const first = inProcessServer();
    const second = inProcessServer();
    await failOnce(first, SID);
    await failOnce(first, SID);
    await failOnce(second, SID);
    const [a, b] = upstreamWarnings(first).map((line) => line['credential']);
    const [c] = upstreamWarnings(second).map((line) => line['credential']);
    expect(typeof a).toBe('string');
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    // Neither the digest that keys data (length-prefixed headers) nor any plain hash of the key.
    const plain = [
      createHash('sha256').update(`-1:${DEMO_API_KEY}`).digest('base64url'),
      createHash('sha256').update(DEMO_API_KEY).digest('base64url'),
      createHash('sha256').update(DEMO_API_KEY).digest('hex'),
    ];
    for (const fingerprint of [a, c]) {
      for (const digest of plain) expect(digest.startsWith(String(fingerprint))).toBe(false);
    }
    for (const line of [...first.logs, ...second.logs]) expect(line).not.toContain(DEMO_API_KEY);
  });

  it('clip client-supplied text', async () => {
    const server = inProcessServer();
    const projectId = `p${'x'.repeat(127)}`;
    await failOnce(server, SID, projectId);
    const [line] = upstreamWarnings(server);
    expect(line?.['projectId']).toBe(clipForLog(projectId));
    expect(String(line?.['projectId'])).toMatch(/^px{99}…\[28 more chars\]$/);
    expect(line?.['sid']).toBe(SID);
  });

  it('an unreachable upstream is logged with the cause and the upstream host, never the full URL', async () => {
    const server = inProcessServer({ talkstackApiUrl: 'http://user:secret@127.0.0.1:9/base' });
    await failOnce(server, SID);
    const [line] = upstreamWarnings(server);
    expect(line).toMatchObject({ code: 'UPSTREAM_ERROR', cause: 'ECONNREFUSED', upstream: '127.0.0.1:9' });
    for (const logged of server.logs) expect(logged).not.toMatch(/secret|\/base/);
  });

  it('show URLs without user info or query', () => {
    expect(urlForLog('https://user:secret@api.example.com/v1?key=abc')).toBe('https://api.example.com/v1');
    expect(urlForLog('http://127.0.0.1:9')).toBe('http://127.0.0.1:9');
    expect(urlForLog('not a url')).toBe('[unparsable URL]');
  });
});

describe('the logger', () => {
  it('redacts credential headers should any code log them', () => {
    const secret = 'SENTINEL-9f1c2e7a-KEY';
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    logger.info({ headers: { authorization: `Bearer ${secret}`, 'x-api-key': secret } }, 'request');
    logger.info({ request: { headers: { authorization: secret, 'x-api-key': secret } } }, 'nested');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).not.toContain(secret);
      expect(line).toContain('[redacted]');
    }
  });
});
