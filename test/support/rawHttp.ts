/**
 * HTTP over a raw socket, for what `fetch` would not send or would hide: malformed heads,
 * repeated headers, absolute-form targets, the exact status line and bytes of an answer.
 */
import { connect } from 'node:net';

/** What no answer (and no start-up message) may show: a stack frame, a path of this machine, a source location. */
export const STACK_OR_PATH = /at .*\(|\/work\/|node_modules|\.ts:|\.js:/;

export interface RawAnswer {
  status: number;
  head: string;
  body: string;
  raw: string;
}

/** Writes `request` as is and reads until the server closes the connection (bounded). */
export function rawRequest(baseUrl: string, request: string | Buffer): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer to ${JSON.stringify(String(request).slice(0, 80))}`));
    }, 5000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      const split = raw.indexOf('\r\n\r\n');
      const head = split < 0 ? raw : raw.slice(0, split);
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1] ?? 0), head, body: split < 0 ? '' : raw.slice(split + 4), raw });
    });
    socket.write(request);
  });
}

export const graphqlBody = (query: string) => JSON.stringify({ query });

/** A complete POST `target` with `headLines` (after the request line) and a JSON body; the connection closes after it. */
export function rawPost(target: string, headLines: string[], body: string): string {
  return [`POST ${target} HTTP/1.1`, ...headLines, 'content-type: application/json', `content-length: ${Buffer.byteLength(body)}`, 'connection: close', '', body].join('\r\n');
}

/** The `extensions.code` of each error of a JSON body. */
export const rawCodesOf = (body: string) => ((JSON.parse(body) as { errors?: Array<{ extensions?: { code?: string } }> }).errors ?? []).map((e) => e.extensions?.code);
