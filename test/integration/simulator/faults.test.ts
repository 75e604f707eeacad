/**
 * The simulator's faults over HTTP (simulator/faults.ts, stream.ts), as the client's fault tests
 * rely on them: status, raw, reset, hang, delay and wire faults (bytes exactly as given, past
 * Node's HTTP writer), `times` and ANY_SID, and stream faults (huge, endless and dripping bodies
 * framed exactly, stopped with their timers when the client goes away or the simulator closes,
 * writing only as fast as the client reads). Malformed faults are refused.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ANY_SID, DEMO_API_KEY, DEMO_CALLS, DEMO_PROJECT_ID, startSimulator, type Simulator, type StreamFault } from '../../../src/simulator/index.js';
import { httpPost, KEY, loopTurns, post, rawPost, SID, STREAM_PREFIX, streamPost } from '../../support/simulatorHttp.js';

describe('simulator faults', () => {
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
      const asked = performance.now();
      const result = await streamPost(sim, SID, (chunk) => {
        arrivals.push({ at: performance.now(), length: chunk.length });
        chunks.push(chunk);
      });
      expect(result.aborted).toBe(false);
      expect(arrivals.map((arrival) => arrival.length)).toEqual([100, 100, 100, 100, 100]);
      // Timers never fire early, so the last chunk comes at least 4 intervals after the first was
      // written (after the request was sent). Judged on the total: a reader late on one chunk
      // (a loaded machine) shortens the gap after it, not the drip. 2 ms: timers' ms rounding.
      const total = (arrivals.at(-1)?.at ?? 0) - asked;
      expect(total).toBeGreaterThanOrEqual((arrivals.length - 1) * intervalMs - 2);
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
});

describe('close', () => {
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
