/**
 * Talking to the simulator (src/simulator) directly, as the Talkstack client would, for its own
 * tests: `POST /call` through fetch, node:http (answers fetch cannot take), a raw socket (every
 * byte), or streamed chunk by chunk; the shapes demo and synthetic calls must have.
 */
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { DEMO_API_KEY, DEMO_CALLS, DEMO_PROJECT_ID, type Simulator } from '../../src/simulator/index.js';

/**
 * The environment of a simulator started as a process (`npm run simulator`) on a free loopback
 * port with every misbehaviour variable set empty, so the test's own environment cannot leak in.
 */
export const QUIET_SIMULATOR_ENV: Readonly<Record<string, string>> = {
  SIMULATOR_PORT: '0',
  SIMULATOR_HOST: '127.0.0.1',
  SIMULATOR_RATE_LIMIT: '',
  SIMULATOR_RATE_LIMIT_BURST: '',
  SIMULATOR_RATE_LIMIT_HEADERS: '',
  SIMULATOR_OUTAGE: '',
  SIMULATOR_HANG: '',
  SIMULATOR_ADMIN: '',
};

export const SID_RE = /^CA[0-9a-f]{32}$/;
export const RFC2822_RE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/;
export const E164_RE = /^\+[1-9]\d{6,14}$/;
export const RECORDING_RE = /^https:\/\/api\.twilio\.com\/2010-04-01\/Accounts\/AC[0-9a-f]{32}\/Recordings\/RE[0-9a-f]{32}(\.mp3|\.wav)?$/;

const found = DEMO_CALLS.find((call) => call.body.status === 'completed' && (call.body.recordingUrls?.length ?? 0) > 0);
if (!found) throw new Error('demo data has no completed call with recordings');
/** The first completed demo call with recordings, and its sid. */
export const firstCompleted = found;
export const SID = firstCompleted.sid;
export const KEY = { 'x-api-key': DEMO_API_KEY };

export function post(sim: Simulator, body: unknown, headers: Record<string, string> = KEY, init: RequestInit = {}): Promise<Response> {
  return fetch(`${sim.url}/call`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
}

export const STREAM_PREFIX = '{"status":"completed","pad":"';

/** A `POST /call` through node:http, for answers fetch cannot take (status 1000, garbage status lines). */
export function httpPost(sim: Simulator, body: unknown): Promise<{ status: number | undefined; headers: IncomingHttpHeaders; body: Buffer }> {
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
export function rawPost(sim: Simulator, body: unknown): Promise<Buffer> {
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
export function streamPost(
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
export async function loopTurns(sim: Simulator, turns = 3): Promise<void> {
  // A sid no test faults, so the round trips are plain answers.
  const sid = DEMO_CALLS.at(-1)?.sid ?? '';
  for (let i = 0; i < turns; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    await (await post(sim, { sid, projectId: DEMO_PROJECT_ID })).arrayBuffer();
  }
}
