import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ANY_SID,
  DEMO_API_KEY,
  DEMO_BEARER_TOKEN,
  DEMO_CALLS,
  DEMO_LIVE_CALLS,
  DEMO_LIVE_SIDS,
  DEMO_PROJECT_ID,
  DEMO_SAMPLE_SIDS,
  startSimulator,
  type Simulator,
  type StreamFault,
} from '../src/simulator/index.js';
import { SyntheticCalls } from '../src/simulator/synthetic.js';

const SID_RE = /^CA[0-9a-f]{32}$/;
const RFC2822_RE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/;
const E164_RE = /^\+[1-9]\d{6,14}$/;
const RECORDING_RE = /^https:\/\/api\.twilio\.com\/2010-04-01\/Accounts\/AC[0-9a-f]{32}\/Recordings\/RE[0-9a-f]{32}(\.mp3|\.wav)?$/;

const firstCompleted = DEMO_CALLS.find((call) => call.body.status === 'completed' && (call.body.recordingUrls?.length ?? 0) > 0);
if (!firstCompleted) throw new Error('demo data has no completed call with recordings');
const SID = firstCompleted.sid;
const KEY = { 'x-api-key': DEMO_API_KEY };

function post(sim: Simulator, body: unknown, headers: Record<string, string> = KEY, init: RequestInit = {}): Promise<Response> {
  return fetch(`${sim.url}/call`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
}

const STREAM_PREFIX = '{"status":"completed","pad":"';

/** A `POST /call` through node:http, for answers fetch cannot take (status 1000, garbage status lines). */
function httpPost(sim: Simulator, body: unknown): Promise<{ status: number | undefined; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${sim.url}/call`, { method: 'POST', headers: { 'content-type': 'application/json', ...KEY } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Everything the server writes on one connection for one `POST /call`, byte for byte, until it closes. */
function rawPost(sim: Simulator, body: unknown): Promise<Buffer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const socket = connect(sim.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
    socket.write(
      `POST /call HTTP/1.1\r\nhost: test\r\nconnection: close\r\ncontent-type: application/json\r\n` +
        `x-api-key: ${DEMO_API_KEY}\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
    );
  });
}

/** Streams a `POST /call` through node:http, handing each body chunk (and its arrival time) to `onChunk`; resolves at the end. */
function streamPost(
  sim: Simulator,
  sid: string,
  onChunk: (chunk: Buffer, abort: () => void) => void = () => undefined,
): Promise<{ status: number | undefined; headers: IncomingHttpHeaders; aborted: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(`${sim.url}/call`, { method: 'POST', headers: { 'content-type': 'application/json', ...KEY } }, (res) => {
      let aborted = false;
      const abort = (): void => {
        aborted = true;
        req.destroy();
      };
      res.on('data', (chunk: Buffer) => onChunk(chunk, abort));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, aborted }));
      // A destroyed request closes its response without 'end'.
      res.on('close', () => resolve({ status: res.statusCode, headers: res.headers, aborted }));
    });
    req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
    req.end(JSON.stringify({ sid, projectId: DEMO_PROJECT_ID }));
  });
}

/** A few turns of the event loop (timers, I/O, immediates) and round trips: enough for a runaway writer to show. */
async function loopTurns(sim: Simulator, turns = 3): Promise<void> {
  // A sid no test faults, so the round trips are plain answers.
  const sid = DEMO_CALLS.at(-1)?.sid ?? '';
  for (let i = 0; i < turns; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    await (await post(sim, { sid, projectId: DEMO_PROJECT_ID })).arrayBuffer();
  }
}

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

describe('simulator protocol', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.clearFaults();
    sim.setLatency(0);
    sim.resetStats();
  });

  it('listens on a random port and exposes a URL without trailing slash', () => {
    expect(sim.port).toBeGreaterThan(0);
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`);
  });

  it('answers 401 without a known credential', async () => {
    const attempts: Array<Record<string, string>> = [{}, { 'x-api-key': 'nope' }, { authorization: 'Bearer nope' }, { authorization: `Basic ${DEMO_BEARER_TOKEN}` }];
    for (const headers of attempts) {
      const res = await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID }, headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: 'unauthorized' });
    }
  });

  it('answers 200 with the call for x-api-key and for a Bearer token', async () => {
    for (const headers of [KEY, { authorization: `Bearer ${DEMO_BEARER_TOKEN}` }]) {
      const res = await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID }, headers);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual(firstCompleted.body);
    }
  });

  it('accepts either credential when both are sent and logs both', async () => {
    const res = await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID }, { 'x-api-key': 'wrong', authorization: `Bearer ${DEMO_BEARER_TOKEN}` });
    expect(res.status).toBe(200);
    expect(sim.requestLog).toEqual([
      expect.objectContaining({ sid: SID, projectId: DEMO_PROJECT_ID, apiKey: 'wrong', authorization: `Bearer ${DEMO_BEARER_TOKEN}`, status: 200 }),
    ]);
  });

  it('answers 400 for a missing sid, a missing projectId or a body that is not a JSON object', async () => {
    const cases: Array<[unknown, string]> = [
      [{ projectId: DEMO_PROJECT_ID }, 'sid is required'],
      [{ sid: 42, projectId: DEMO_PROJECT_ID }, 'sid is required'],
      [{ sid: SID }, 'projectId is required'],
      ['not json', 'body must be JSON'],
      ['[]', 'body must be a JSON object'],
      ['"str"', 'body must be a JSON object'],
    ];
    for (const [body, error] of cases) {
      const res = await post(sim, body);
      expect(res.status, String(body)).toBe(400);
      expect(await res.json()).toEqual({ error });
    }
  });

  it('answers 404 for an unknown call and an unknown project', async () => {
    for (const body of [{ sid: `CA${'0'.repeat(32)}`, projectId: DEMO_PROJECT_ID }, { sid: SID, projectId: 'other-project' }]) {
      const res = await post(sim, body);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: 'call not found' });
    }
  });

  it('answers 404 to other paths and methods without counting them', async () => {
    expect((await fetch(`${sim.url}/call`, { headers: KEY })).status).toBe(404);
    expect((await fetch(`${sim.url}/calls`, { method: 'POST', headers: KEY, body: '{}' })).status).toBe(404);
    expect(sim.stats.requests).toBe(0);
  });

  it('answers 413 to a body over the limit', async () => {
    const res = await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID, padding: 'x'.repeat(70 * 1024) });
    expect(res.status).toBe(413);
    expect(sim.requestLog.at(-1)?.status).toBe(413);
  });

  it('keeps accounts apart: same projectId and sid, different bodies per credential', async () => {
    sim.addAccount('acme', { apiKeys: ['acme-key'], bearerTokens: ['acme-token'] });
    const sid = `CA${'a'.repeat(32)}`;
    sim.setCall('shared-project', sid, { status: 'completed', seconds: 12 });
    sim.setCall('shared-project', sid, { status: 'busy' }, 'acme');
    const demo = await post(sim, { sid, projectId: 'shared-project' });
    const acme = await post(sim, { sid, projectId: 'shared-project' }, { 'x-api-key': 'acme-key' });
    const acmeBearer = await post(sim, { sid, projectId: 'shared-project' }, { authorization: 'Bearer acme-token' });
    expect(await demo.json()).toEqual({ status: 'completed', seconds: 12 });
    expect(await acme.json()).toEqual({ status: 'busy' });
    expect(await acmeBearer.json()).toEqual({ status: 'busy' });
    // The demo project belongs to the demo account only.
    expect((await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID }, { 'x-api-key': 'acme-key' })).status).toBe(404);
    expect(sim.getCall('shared-project', sid, 'acme')).toEqual({ status: 'busy' });
    expect(() => sim.addAccount('thief', { apiKeys: [DEMO_API_KEY] })).toThrow(/already belongs/);
  });

  it('gives a seeded account its own copy of the demo project', async () => {
    sim.addAccount('seeded', { apiKeys: ['seeded-key'], seedDemo: true });
    sim.setCall(DEMO_PROJECT_ID, SID, { status: 'failed' }, 'seeded');
    const seeded = await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID }, { 'x-api-key': 'seeded-key' });
    expect(await seeded.json()).toEqual({ status: 'failed' });
    expect(sim.getCall(DEMO_PROJECT_ID, SID)).toEqual(firstCompleted.body);
  });

  it('serves bodies of the wrong shape as stored, and forgets deleted calls', async () => {
    const sid = `CA${'b'.repeat(32)}`;
    sim.setCall(DEMO_PROJECT_ID, sid, { seconds: '12' });
    expect(await (await post(sim, { sid, projectId: DEMO_PROJECT_ID })).json()).toEqual({ seconds: '12' });
    sim.setCall(DEMO_PROJECT_ID, sid, 'just a string');
    expect(await (await post(sim, { sid, projectId: DEMO_PROJECT_ID })).json()).toBe('just a string');
    expect(sim.deleteCall(DEMO_PROJECT_ID, sid)).toBe(true);
    expect(sim.deleteCall(DEMO_PROJECT_ID, sid)).toBe(false);
    expect(sim.getCall(DEMO_PROJECT_ID, sid)).toBeUndefined();
    expect((await post(sim, { sid, projectId: DEMO_PROJECT_ID })).status).toBe(404);
  });

  describe('faults', () => {
    it('answers a status fault with its headers and a default body, before auth', async () => {
      sim.injectFault(SID, { type: 'status', status: 429, headers: { 'Retry-After': '1' } });
      const res = await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID }, {});
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toEqual({ error: 'too many requests' });
    });

    it('answers a status fault with a given body (a call in a non-2xx answer)', async () => {
      sim.injectFault(SID, { type: 'status', status: 418, body: { status: 'completed', seconds: 3 } });
      const res = await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID });
      expect(res.status).toBe(418);
      expect(await res.json()).toEqual({ status: 'completed', seconds: 3 });
    });

    it('answers raw bodies byte for byte', async () => {
      for (const body of ['not json at all', '[]', '"str"', '{}', '{"status":']) {
        sim.clearFaults();
        sim.injectFault(ANY_SID, { type: 'raw', body });
        const res = await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        expect(await res.text()).toBe(body);
      }
      sim.clearFaults();
      sim.injectFault(ANY_SID, { type: 'raw', status: 502, body: '<html>Bad gateway</html>', contentType: 'text/html' });
      const res = await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID });
      expect(res.status).toBe(502);
      expect(res.headers.get('content-type')).toBe('text/html');
      expect(await res.text()).toBe('<html>Bad gateway</html>');
    });

    it('resets the connection: fetch rejects', async () => {
      sim.injectFault(SID, { type: 'reset', times: 1 });
      await expect(post(sim, { sid: SID, projectId: DEMO_PROJECT_ID })).rejects.toThrow();
      expect(sim.requestLog.map((entry) => entry.status)).toEqual(['reset']);
      expect(sim.stats.inFlight).toBe(0);
      // The fault is used up: the next request (on a new connection) is answered.
      expect((await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID })).status).toBe(200);
    });

    it('hangs until the client gives up, then stops counting the request in flight', async () => {
      sim.injectFault(SID, { type: 'hang' });
      const started = performance.now();
      const error: unknown = await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID }, KEY, { signal: AbortSignal.timeout(200) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DOMException);
      expect((error as DOMException).name).toBe('TimeoutError');
      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
      expect(sim.requestLog.map((entry) => entry.status)).toEqual(['hang']);
      await vi.waitFor(() => expect(sim.stats.inFlight).toBe(0), { timeout: 2000, interval: 5 });
    });

    it('delays the answer, on top of the latency', async () => {
      sim.setLatency(30);
      sim.injectFault(SID, { type: 'delay', ms: 70 });
      const started = performance.now();
      const res = await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID });
      expect(res.status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    });

    it('consumes `times`, and the first active match wins', async () => {
      const other = DEMO_CALLS[1]?.sid ?? '';
      const specific = sim.injectFault(SID, { type: 'status', status: 500, times: 2 });
      const any = sim.injectFault(ANY_SID, { type: 'status', status: 503, times: 1 });
      const statuses: number[] = [];
      for (const sid of [SID, other, SID, SID, other]) {
        statuses.push((await post(sim, { sid, projectId: DEMO_PROJECT_ID })).status);
      }
      expect(statuses).toEqual([500, 503, 500, 200, 200]);
      expect(specific.hits).toBe(2);
      expect(specific.remaining).toBe(0);
      expect(any.remove()).toBe(false);
      const forever = sim.injectFault(SID, { type: 'status', status: 500 });
      expect(forever.remaining).toBe(Infinity);
      expect(forever.remove()).toBe(true);
      expect((await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID })).status).toBe(200);
    });

    it('matches ANY_SID even when the body has no sid', async () => {
      sim.injectFault(ANY_SID, { type: 'status', status: 500, times: 1 });
      expect((await post(sim, 'not json')).status).toBe(500);
      expect((await post(sim, 'not json')).status).toBe(400);
    });

    it('refuses malformed faults', () => {
      expect(() => sim.injectFault(SID, { type: 'status', status: 99 })).toThrow(RangeError);
      expect(() => sim.injectFault(SID, { type: 'delay', ms: -1 })).toThrow(RangeError);
      expect(() => sim.injectFault(SID, { type: 'hang', times: 0 })).toThrow(RangeError);
    });

    it('answers any final status Node can write (200..999) and refuses 1xx and beyond', async () => {
      for (const status of [600, 799, 999]) {
        sim.clearFaults();
        sim.injectFault(SID, { type: 'status', status });
        const res = await httpPost(sim, { sid: SID, projectId: DEMO_PROJECT_ID });
        expect(res.status).toBe(status);
        expect(JSON.parse(res.body.toString('utf8'))).toEqual({ error: 'error' });
      }
      sim.clearFaults();
      sim.injectFault(SID, { type: 'raw', status: 642, body: '{"status":"completed"}' });
      const res = await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID });
      expect(res.status).toBe(642);
      expect(await res.text()).toBe('{"status":"completed"}');
      for (const status of [0, 100, 103, 199, 1000, 250.5]) {
        expect(() => sim.injectFault(SID, { type: 'status', status }), String(status)).toThrow(RangeError);
        expect(() => sim.injectFault(SID, { type: 'raw', status, body: '{}' }), String(status)).toThrow(RangeError);
      }
      expect(sim.requestLog.map((entry) => entry.status)).toEqual([600, 799, 999, 642]);
    });

    it('writes wire bytes exactly, past Node\'s HTTP writer, and counts them as answered', async () => {
      const odd = 'HTTP/1.1 1000 Odd\r\ncontent-length: 2\r\n\r\n{}';
      const handle = sim.injectFault(SID, { type: 'wire', bytes: odd });
      expect((await rawPost(sim, { sid: SID, projectId: DEMO_PROJECT_ID })).toString('latin1')).toBe(odd);
      // What a real client makes of it: node:http refuses the status line.
      await expect(httpPost(sim, { sid: SID, projectId: DEMO_PROJECT_ID })).rejects.toMatchObject({ code: 'HPE_INVALID_STATUS' });
      await expect(post(sim, { sid: SID, projectId: DEMO_PROJECT_ID })).rejects.toThrow();
      expect(handle.hits).toBe(3);
      expect(handle.bytesSent).toBe(0);
      expect(sim.requestLog.map((entry) => entry.status)).toEqual(['wire', 'wire', 'wire']);
      expect(sim.requestLog[0]).toMatchObject({ sid: SID, projectId: DEMO_PROJECT_ID, apiKey: DEMO_API_KEY });
      await vi.waitFor(() => expect(sim.stats.inFlight).toBe(0), { timeout: 2000, interval: 5 });

      // Every byte value survives (one character, one byte), and `destroy` closes after writing.
      sim.clearFaults();
      const garbage = 'HTTP/1.1 099 L\u00f6w\r\n\u0000\u00ff\r\n\r\n';
      sim.injectFault(SID, { type: 'wire', bytes: garbage, close: 'destroy', times: 1 });
      const bytes = await rawPost(sim, { sid: SID, projectId: DEMO_PROJECT_ID });
      expect([...bytes]).toEqual([...Buffer.from(garbage, 'latin1')]);
      expect(bytes.length).toBe(garbage.length);
      // Used up: the next request is answered normally.
      expect((await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID })).status).toBe(200);

      // Nothing at all: the connection closes before any answer.
      sim.injectFault(SID, { type: 'wire', bytes: '', times: 1 });
      expect((await rawPost(sim, { sid: SID, projectId: DEMO_PROJECT_ID })).length).toBe(0);
      expect(sim.stats.inFlight).toBe(0);
    });

    it('refuses malformed wire faults', () => {
      expect(() => sim.injectFault(SID, { type: 'wire', bytes: 'HTTP/1.1 200 \u20ac\r\n' })).toThrow(RangeError);
      expect(() => sim.injectFault(SID, { type: 'wire', bytes: 42 as unknown as string })).toThrow(TypeError);
      expect(() => sim.injectFault(SID, { type: 'wire', bytes: '', close: 'later' as unknown as 'end' })).toThrow(TypeError);
    });
  });

  describe('stream faults', () => {
    it('sends a finite 5 MB body whole, with its content-length, ending with "}', async () => {
      const bytes = 5 * 1000 * 1000;
      const handle = sim.injectFault(SID, { type: 'stream', bytes });
      const res = await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(bytes));
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const text = await res.text();
      expect(text.length).toBe(bytes);
      expect(text.startsWith(STREAM_PREFIX)).toBe(true);
      expect(text.endsWith('x"}')).toBe(true);
      const body = JSON.parse(text) as { status: string; pad: string };
      expect(body.status).toBe('completed');
      expect(body.pad).toBe('x'.repeat(bytes - STREAM_PREFIX.length - 2));
      expect(handle.bytesSent).toBe(bytes);
      expect(handle.clientClosed).toBe(0);
      expect(sim.stats.inFlight).toBe(0);
      expect(sim.requestLog.map((entry) => entry.status)).toEqual([200]);
    });

    it('frames bodies exactly at any size and chunk size, chunked without content-length', async () => {
      const cases: StreamFault[] = [
        { type: 'stream', bytes: 31 },
        { type: 'stream', bytes: 31, chunkBytes: 1 },
        { type: 'stream', bytes: 100_003, chunkBytes: 1000, contentLength: false },
        { type: 'stream', bytes: 1000, chunkBytes: 7, status: 503 },
        { type: 'stream', bytes: 60, chunkBytes: 30, status: 799 },
      ];
      for (const fault of cases) {
        sim.clearFaults();
        const handle = sim.injectFault(SID, fault);
        const res = await httpPost(sim, { sid: SID, projectId: DEMO_PROJECT_ID });
        const label = JSON.stringify(fault);
        expect(res.status, label).toBe(fault.status ?? 200);
        expect(res.body.toString('latin1'), label).toBe(`${STREAM_PREFIX}${'x'.repeat(fault.bytes - STREAM_PREFIX.length - 2)}"}`);
        if (fault.contentLength === false) {
          expect(res.headers['content-length'], label).toBeUndefined();
          expect(res.headers['transfer-encoding'], label).toBe('chunked');
        } else {
          expect(res.headers['content-length'], label).toBe(String(fault.bytes));
        }
        expect(handle.bytesSent, label).toBe(fault.bytes);
      }
      expect(sim.stats.inFlight).toBe(0);
    });

    it('stops an endless body when the client goes away, and stops counting it in flight', async () => {
      const handle = sim.injectFault(SID, { type: 'stream', bytes: Infinity, times: 1 });
      let received = 0;
      let head = '';
      const result = await streamPost(sim, SID, (chunk, abort) => {
        if (head.length <= STREAM_PREFIX.length) head += chunk.toString('latin1', 0, STREAM_PREFIX.length + 1);
        received += chunk.length;
        if (sim.stats.inFlight !== 1) throw new Error('an endless body must stay in flight');
        if (received >= 4 * 1024 * 1024) abort();
      });
      expect(result.aborted).toBe(true);
      expect(result.status).toBe(200);
      expect(result.headers['content-length']).toBeUndefined();
      expect(result.headers['transfer-encoding']).toBe('chunked');
      expect(head.startsWith(STREAM_PREFIX + 'x')).toBe(true);
      await vi.waitFor(() => expect(handle.clientClosed).toBe(1), { timeout: 2000, interval: 5 });
      expect(sim.stats.inFlight).toBe(0);
      const sent = handle.bytesSent;
      expect(sent).toBeGreaterThanOrEqual(received);
      await loopTurns(sim);
      expect(handle.bytesSent).toBe(sent);
      expect(sim.stats.inFlight).toBe(0);
      expect(sim.requestLog.map((entry) => entry.status)).toEqual([200, 200, 200, 200]);
    });

    it('respects backpressure: a client that stops reading stops the writing', async () => {
      const handle = sim.injectFault(SID, { type: 'stream', bytes: Infinity, times: 1 });
      let paused: (() => void) | undefined;
      const reading = new Promise<void>((resolve) => (paused = resolve));
      const req = request(`${sim.url}/call`, { method: 'POST', headers: { 'content-type': 'application/json', ...KEY } }, (res) => {
        res.once('data', () => {
          res.pause();
          paused?.();
        });
      });
      req.on('error', () => undefined);
      req.end(JSON.stringify({ sid: SID, projectId: DEMO_PROJECT_ID }));
      await reading;
      // Socket buffers fill, then 'drain' never comes: the count settles instead of growing.
      await vi.waitFor(
        async () => {
          const before = handle.bytesSent;
          await loopTurns(sim, 2);
          expect(handle.bytesSent).toBe(before);
        },
        { timeout: 5000, interval: 5 },
      );
      expect(handle.bytesSent).toBeLessThan(64 * 1024 * 1024);
      expect(sim.stats.inFlight).toBe(1);
      req.destroy();
      await vi.waitFor(() => expect(handle.clientClosed).toBe(1), { timeout: 2000, interval: 5 });
      expect(sim.stats.inFlight).toBe(0);
    });

    it('drips one chunk per interval', async () => {
      const intervalMs = 40;
      sim.injectFault(SID, { type: 'stream', bytes: 500, chunkBytes: 100, intervalMs });
      const arrivals: Array<{ at: number; length: number }> = [];
      const chunks: Buffer[] = [];
      const result = await streamPost(sim, SID, (chunk) => {
        arrivals.push({ at: performance.now(), length: chunk.length });
        chunks.push(chunk);
      });
      expect(result.aborted).toBe(false);
      expect(arrivals.map((arrival) => arrival.length)).toEqual([100, 100, 100, 100, 100]);
      for (let i = 1; i < arrivals.length; i++) {
        const gap = (arrivals[i]?.at ?? 0) - (arrivals[i - 1]?.at ?? 0);
        // Timers never fire early; a little slack for when each chunk is read.
        expect(gap, `gap before chunk ${i}`).toBeGreaterThanOrEqual(intervalMs * 0.6);
      }
      expect(JSON.parse(Buffer.concat(chunks).toString('utf8'))).toMatchObject({ status: 'completed' });
      // In flight while dripping, not after the last chunk.
      expect(sim.stats).toMatchObject({ inFlight: 0, maxInFlight: 1 });
    });

    it('stops an endless drip (and its timer) when the client goes away', async () => {
      const intervalMs = 20;
      const dropped = sim.injectFault(SID, { type: 'stream', bytes: Infinity, chunkBytes: 50, intervalMs });
      const other = DEMO_CALLS[1]?.sid ?? '';
      const witness = sim.injectFault(other, { type: 'stream', bytes: Infinity, chunkBytes: 50, intervalMs });
      let chunks = 0;
      await streamPost(sim, SID, (_chunk, abort) => {
        if (++chunks === 2) abort();
      });
      await vi.waitFor(() => expect(dropped.clientClosed).toBe(1), { timeout: 2000, interval: 5 });
      expect(sim.stats.inFlight).toBe(0);
      const sent = dropped.bytesSent;
      // Another drip receiving four chunks proves several intervals went by: the first one's timer did not fire again.
      let seen = 0;
      await streamPost(sim, other, (chunk, abort) => {
        seen += chunk.length;
        if (seen >= 200) abort();
      });
      expect(dropped.bytesSent).toBe(sent);
      await vi.waitFor(() => expect(witness.clientClosed).toBe(1), { timeout: 2000, interval: 5 });
      expect(sim.stats.inFlight).toBe(0);
    });

    it('waits for the latency before streaming, and counts a client gone meanwhile', async () => {
      sim.setLatency(30);
      const handle = sim.injectFault(SID, { type: 'stream', bytes: 1000 });
      const started = performance.now();
      const res = await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID });
      expect((await res.text()).length).toBe(1000);
      expect(performance.now() - started).toBeGreaterThanOrEqual(25);
      await expect(post(sim, { sid: SID, projectId: DEMO_PROJECT_ID }, KEY, { signal: AbortSignal.timeout(5) })).rejects.toThrow();
      await vi.waitFor(() => expect(handle.clientClosed).toBe(1), { timeout: 2000, interval: 5 });
      expect(sim.stats.inFlight).toBe(0);
      // Gone before the body started: nothing more sent, and the delay timer was cleared.
      await loopTurns(sim);
      expect(handle.bytesSent).toBe(1000);
      expect(handle.hits).toBe(2);
    });

    it('refuses malformed stream faults', () => {
      const bad: StreamFault[] = [
        { type: 'stream', bytes: 30 },
        { type: 'stream', bytes: 1.5e3 + 0.5 },
        { type: 'stream', bytes: -1 },
        { type: 'stream', bytes: Infinity, contentLength: true },
        { type: 'stream', bytes: 1000, chunkBytes: 0 },
        { type: 'stream', bytes: 1000, chunkBytes: 2.5 },
        { type: 'stream', bytes: 1000, chunkBytes: 1e9 },
        { type: 'stream', bytes: 1000, intervalMs: -1 },
        { type: 'stream', bytes: 1000, intervalMs: Infinity },
        { type: 'stream', bytes: 1000, status: 204 },
        { type: 'stream', bytes: 1000, status: 304 },
        { type: 'stream', bytes: 1000, status: 101 },
      ];
      for (const fault of bad) expect(() => sim.injectFault(SID, fault), JSON.stringify(fault)).toThrow(RangeError);
    });

    it('reports zero stream counters for other faults', () => {
      const handle = sim.injectFault(SID, { type: 'status', status: 500 });
      expect(handle.bytesSent).toBe(0);
      expect(handle.clientClosed).toBe(0);
    });
  });

  describe('counters', () => {
    it('counts requests per sid, faulted or not, and resets', async () => {
      const other = DEMO_CALLS[2]?.sid ?? '';
      sim.injectFault(other, { type: 'status', status: 500 });
      await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID });
      await post(sim, { sid: SID, projectId: DEMO_PROJECT_ID }, {});
      await post(sim, { sid: other, projectId: DEMO_PROJECT_ID });
      await post(sim, 'not json');
      expect(sim.stats.requests).toBe(4);
      expect(Object.fromEntries(sim.stats.bySid)).toEqual({ [SID]: 2, [other]: 1 });
      expect(sim.requestLog.map((entry) => entry.status)).toEqual([200, 401, 500, 400]);
      sim.resetStats();
      expect(sim.stats.requests).toBe(0);
      expect(sim.stats.bySid.size).toBe(0);
      expect(sim.stats.maxInFlight).toBe(0);
      expect(sim.requestLog).toEqual([]);
    });

    it('tracks in-flight requests under concurrency', async () => {
      sim.injectFault(ANY_SID, { type: 'delay', ms: 300 });
      const sids = DEMO_CALLS.slice(0, 10).map((call) => call.sid);
      const pending = sids.map((sid) => post(sim, { sid, projectId: DEMO_PROJECT_ID }));
      await vi.waitFor(() => expect(sim.stats.inFlight).toBe(10), { timeout: 2000, interval: 5 });
      const responses = await Promise.all(pending);
      expect(responses.map((res) => res.status)).toEqual(sids.map(() => 200));
      await Promise.all(responses.map((res) => res.arrayBuffer()));
      expect(sim.stats).toMatchObject({ requests: 10, inFlight: 0, maxInFlight: 10 });
      expect(sim.stats.bySid.size).toBe(10);
    });

    it('bounds the request log', async () => {
      const small = await startSimulator({ requestLogLimit: 3 });
      try {
        for (let i = 0; i < 8; i++) await post(small, { sid: `CA${i}`, projectId: DEMO_PROJECT_ID });
        expect(small.requestLog.map((entry) => entry.sid)).toEqual(['CA5', 'CA6', 'CA7']);
        expect(small.stats.requests).toBe(8);
      } finally {
        await small.close();
      }
    });
  });
});

describe('synthetic calls', () => {
  const PROJECT = 'bench-project';
  const call = { sid: 'CAbench_000042', projectId: PROJECT };
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ syntheticProject: PROJECT });
    sim.addAccount('acme', { apiKeys: ['acme-key'] });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('answers any well-formed sid with a completed call carrying every field, derived from the sid', async () => {
    const res = await post(sim, call);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(
      ['assignmentId', 'callSid', 'cost', 'data', 'date', 'from', 'partnerId', 'phoneNumber', 'recordingUrls', 'seconds', 'shiftId', 'status', 'to'],
    );
    expect(body).toMatchObject({
      status: 'completed',
      callSid: call.sid,
      from: expect.stringMatching(E164_RE),
      to: expect.stringMatching(E164_RE),
      phoneNumber: body.to,
      date: expect.stringMatching(RFC2822_RE),
      recordingUrls: [expect.stringMatching(/^https:\/\/api\.twilio\.com\/2010-04-01\/Accounts\/AC[0-9a-f]{32}\/Recordings\/RE[0-9a-f]{32}\.mp3$/)],
      partnerId: expect.stringMatching(/^prt_\d{5}$/),
      shiftId: expect.stringMatching(/^shf_[0-9a-f]{12}$/),
      assignmentId: expect.stringMatching(/^asg_[0-9a-f]{12}$/),
      data: { employeeGoToWork: 'true', reasonOfCancellation: '', newDate: '' },
    });
    expect(Number.isInteger(body.seconds) && (body.seconds as number) > 0).toBe(true);
    expect(body.cost).toBeGreaterThan(0);
    expect(sim.getCall(PROJECT, call.sid)).toEqual(body);
  });

  it('gives the same sid the same bytes, for any account and in any simulator', async () => {
    const first = await (await post(sim, call)).text();
    expect(await (await post(sim, call)).text()).toBe(first);
    expect(await (await post(sim, call, { authorization: `Bearer ${DEMO_BEARER_TOKEN}` })).text()).toBe(first);
    expect(await (await post(sim, call, { 'x-api-key': 'acme-key' })).text()).toBe(first);
    const other = await startSimulator({ syntheticProject: PROJECT, seedDemo: false });
    try {
      expect(await (await post(other, call)).text()).toBe(first);
    } finally {
      await other.close();
    }
    const bodies = new Set<string>();
    for (let i = 0; i < 20; i++) bodies.add(await (await post(sim, { sid: `CAbench_${i}`, projectId: PROJECT })).text());
    expect(bodies.size).toBe(20);
  });

  it('answers sids starting with CAlive as calls in progress: no seconds, cost, date or recordings', async () => {
    const sid = 'CAlive-7';
    const body = (await (await post(sim, { sid, projectId: PROJECT })).json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['assignmentId', 'callSid', 'data', 'from', 'partnerId', 'phoneNumber', 'shiftId', 'status', 'to']);
    expect(body).toMatchObject({ status: 'in-progress', callSid: sid, from: expect.stringMatching(E164_RE), phoneNumber: body.to, data: {} });
    expect(sim.getCall(PROJECT, sid)).toEqual(body);
  });

  it('answers 404 outside the synthetic project and for malformed sids', async () => {
    const notFound = [
      { sid: call.sid, projectId: DEMO_PROJECT_ID },
      { sid: call.sid, projectId: 'other-project' },
      { sid: 'CA bench', projectId: PROJECT },
      { sid: 'CA.bench', projectId: PROJECT },
      { sid: 'x'.repeat(65), projectId: PROJECT },
    ];
    for (const body of notFound) {
      const res = await post(sim, body);
      expect(res.status, JSON.stringify(body)).toBe(404);
      expect(await res.json()).toEqual({ error: 'call not found' });
      expect(sim.getCall(body.projectId, body.sid)).toBeUndefined();
    }
    expect((await post(sim, { sid: 'x'.repeat(64), projectId: PROJECT })).status).toBe(200);
    // Without the option there is no synthetic project.
    expect((await post(sim, call)).status).toBe(200);
    const plain = await startSimulator();
    try {
      expect((await post(plain, call)).status).toBe(404);
    } finally {
      await plain.close();
    }
  });

  it('still answers 401 without a known credential', async () => {
    const attempts: Array<Record<string, string>> = [{}, { 'x-api-key': 'nope' }];
    for (const headers of attempts) {
      const res = await post(sim, call, headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: 'unauthorized' });
    }
  });

  it('lets stored calls and faults win', async () => {
    const sid = 'CAbench_stored';
    sim.setCall(PROJECT, sid, { status: 'busy' });
    expect(await (await post(sim, { sid, projectId: PROJECT })).json()).toEqual({ status: 'busy' });
    expect(sim.getCall(PROJECT, sid)).toEqual({ status: 'busy' });
    // Stored per account: another account still gets the synthetic call.
    expect(await (await post(sim, { sid, projectId: PROJECT }, { 'x-api-key': 'acme-key' })).json()).toMatchObject({ status: 'completed', callSid: sid });
    expect(sim.deleteCall(PROJECT, sid)).toBe(true);
    expect(await (await post(sim, { sid, projectId: PROJECT })).json()).toMatchObject({ status: 'completed', callSid: sid });

    const fault = sim.injectFault(sid, { type: 'status', status: 500, times: 1 });
    expect((await post(sim, { sid, projectId: PROJECT })).status).toBe(500);
    expect(fault.hits).toBe(1);
  });

  it('refuses an empty syntheticProject', async () => {
    await expect(startSimulator({ syntheticProject: '' })).rejects.toThrow(TypeError);
  });

  it('keeps a bounded cache that drops the oldest answers first and rebuilds them identically', () => {
    const calls = new SyntheticCalls();
    const first = calls.response('CAcache_0');
    expect(calls.response('CAcache_0')).toBe(first);
    for (let i = 1; i < 50_000; i++) calls.response(`CAcache_${i}`);
    const last = calls.response('CAcache_50000');
    const rebuilt = calls.response('CAcache_0');
    expect(rebuilt).not.toBe(first);
    expect(rebuilt?.body.equals(first?.body ?? Buffer.alloc(0))).toBe(true);
    // Only the oldest went: the newest one is still the cached object.
    expect(calls.response('CAcache_50000')).toBe(last);
    expect(calls.response('not a sid')).toBeUndefined();
  });
});

describe('live calls', () => {
  it('move queued → ringing → in-progress → completed with the injected clock, then stay completed', async () => {
    let t = 1_700_000_000_000;
    const startedAt = t;
    const sim = await startSimulator({ now: () => t, lifecycleStepMs: 1000 });
    try {
      const [first, second] = DEMO_LIVE_SIDS;
      const statusOf = async (sid: string | undefined): Promise<Record<string, unknown>> =>
        (await (await post(sim, { sid, projectId: DEMO_PROJECT_ID })).json()) as Record<string, unknown>;

      const queued = await statusOf(first);
      expect(queued).toMatchObject({ status: 'queued', callSid: first });
      expect(queued).not.toHaveProperty('seconds');
      expect(queued).not.toHaveProperty('recordingUrls');
      expect(queued).not.toHaveProperty('date');

      t = startedAt + 999;
      expect((await statusOf(first)).status).toBe('queued');
      t = startedAt + 1000;
      expect((await statusOf(first)).status).toBe('ringing');
      expect((await statusOf(second)).status).toBe('queued');
      t = startedAt + 2500;
      expect((await statusOf(first)).status).toBe('in-progress');
      expect((await statusOf(second)).status).toBe('ringing');

      t = startedAt + 3000;
      const completed = await statusOf(first);
      const template = DEMO_LIVE_CALLS[0];
      expect(completed).toMatchObject({
        status: 'completed',
        seconds: template?.completed.seconds,
        cost: template?.completed.cost,
        recordingUrls: template?.completed.recordingUrls,
        date: new Date(startedAt + 3000).toUTCString().replace('GMT', '+0000'),
      });
      expect(sim.getCall(DEMO_PROJECT_ID, first ?? '')).toEqual(completed);

      t = startedAt + 1_000_000;
      expect(await statusOf(first)).toEqual(completed);
      expect(sim.requestLog.at(-1)?.at).toBe(t);

      // setCall takes a live call over.
      sim.setCall(DEMO_PROJECT_ID, second ?? '', { status: 'voicemail' });
      expect(await statusOf(second)).toEqual({ status: 'voicemail' });
    } finally {
      await sim.close();
    }
  });
});

describe('close', () => {
  it('destroys hanging requests and is idempotent', async () => {
    const sim = await startSimulator({ latencyMs: 5 });
    sim.injectFault(ANY_SID, { type: 'hang' });
    const hanging = post(sim, { sid: SID, projectId: DEMO_PROJECT_ID });
    await vi.waitFor(() => expect(sim.stats.inFlight).toBe(1), { timeout: 2000, interval: 5 });
    await Promise.all([sim.close(), sim.close()]);
    await sim.close();
    await expect(hanging).rejects.toThrow();
    await expect(post(sim, { sid: SID, projectId: DEMO_PROJECT_ID })).rejects.toThrow();
  });

  it('ends endless streams and their timers', async () => {
    const sim = await startSimulator();
    const handle = sim.injectFault(ANY_SID, { type: 'stream', bytes: Infinity, chunkBytes: 100, intervalMs: 10 });
    let chunks = 0;
    let closing: Promise<void> | undefined;
    const streaming = streamPost(sim, SID, () => {
      if (++chunks === 2) closing = sim.close();
    });
    expect((await streaming).aborted).toBe(false);
    await closing;
    expect(handle.clientClosed).toBe(1);
    expect(sim.stats.inFlight).toBe(0);
  });
});
