/**
 * Baseline 3: the floor of any server. A bare node:http server that answers one query shape,
 * `{ call(sid: ...) { sid status durationSeconds } }`, without GraphQL: for `POST /graphql` it
 * reads the JSON body, takes the sid from `variables.sid` (else the first `sid: "..."` in
 * `query`), makes one upstream POST through a keep-alive undici `Pool`
 * (UPSTREAM_CONCURRENCY connections) and writes
 *   {"data":{"call":{"sid":…,"status":<upstream status upper-cased, - → _>,"durationSeconds":<seconds>}}}
 * or {"data":{"call":null}} on a 404. Whatever else the query asks for is ignored.
 *
 * Run: TALKSTACK_API_URL=http://127.0.0.1:PORT npx tsx bench/baselines/bare-proxy/main.ts
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Pool } from 'undici';
import { announce, closeServer, credentialHeaders, exitOnSignals, listen, portOf, readSettings } from '../common.js';

const settings = readSettings();
const upstream = new URL(settings.talkstackApiUrl);
const callPath = `${upstream.pathname.replace(/\/+$/, '')}/call`;
const pool = new Pool(upstream.origin, { connections: settings.upstreamConcurrency });

const SID_IN_QUERY = /\bsid\s*:\s*"([^"\\]*)"/;

interface GraphQLBody {
  query?: unknown;
  variables?: { sid?: unknown; projectId?: unknown } | null;
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const fail = (res: ServerResponse, status: number, message: string): void => send(res, status, { errors: [{ message }] });

async function answer(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
  let request: GraphQLBody;
  try {
    request = JSON.parse(raw) as GraphQLBody;
  } catch {
    return fail(res, 400, 'body must be JSON');
  }
  const variables = request?.variables ?? undefined;
  const sid =
    typeof variables?.sid === 'string'
      ? variables.sid
      : typeof request?.query === 'string'
        ? SID_IN_QUERY.exec(request.query)?.[1]
        : undefined;
  if (!sid) return fail(res, 400, 'no sid in variables.sid or in the query');
  const projectId = typeof variables?.projectId === 'string' ? variables.projectId : settings.defaultProjectId;
  if (!projectId) return fail(res, 400, 'projectId is required: pass it, or set TALKSTACK_PROJECT_ID');

  const { statusCode, body } = await pool.request({
    method: 'POST',
    path: callPath,
    headers: { 'content-type': 'application/json', ...credentialHeaders((name) => req.headers[name]) },
    body: JSON.stringify({ sid, projectId }),
  });
  if (statusCode === 404) {
    await body.dump();
    return send(res, 200, { data: { call: null } });
  }
  if (statusCode < 200 || statusCode >= 300) {
    await body.dump();
    return send(res, 200, { errors: [{ message: `Talkstack answered ${statusCode}` }], data: { call: null } });
  }
  const call = (await body.json()) as { status?: unknown; seconds?: unknown } | null;
  send(res, 200, {
    data: {
      call: {
        sid,
        status: String(call?.status ?? '').toUpperCase().replace(/-/g, '_'),
        durationSeconds: typeof call?.seconds === 'number' ? call.seconds : null,
      },
    },
  });
}

const server = createServer((req, res) => {
  const url = req.url ?? '';
  const query = url.indexOf('?');
  if (req.method !== 'POST' || (query === -1 ? url : url.slice(0, query)) !== '/graphql') {
    req.resume();
    return fail(res, 404, 'POST /graphql only');
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    answer(req, res, Buffer.concat(chunks).toString('utf8')).catch((error: unknown) => {
      if (!res.headersSent) fail(res, 502, `upstream request failed: ${error instanceof Error ? error.message : String(error)}`);
      else res.destroy();
    });
  });
});

await listen(server, settings.port, settings.host);
announce(settings.host, portOf(server));

exitOnSignals(async () => {
  await closeServer(server);
  await pool.close();
});
