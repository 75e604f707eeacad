/**
 * The Node HTTP server around the router: Node's own guards (server timeouts, what its parser
 * refuses, anything a handler throws: lastResort.ts) and the connections it must close cleanly
 * when stopping (gracefulClose.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { Backlogged } from './backpressure.js';
import { type CloseResult, GracefulClose } from './gracefulClose.js';
import { answerClientError, guardRequests, type RequestListener } from './lastResort.js';
import { applyServerTimeouts, HTTP_SERVER_OPTIONS } from './serverTimeouts.js';

export interface NodeServer {
  readonly http: Server;
  /** listens on `port`/`host`, resolves with the base URL (`http://127.0.0.1:4000`) */
  listen(port: number, host: string): Promise<string>;
  /** from now on every answer closes its connection */
  beginDraining(): void;
  /** stops listening; answers in flight get `graceMs` to finish (gracefulClose.ts) */
  close(graceMs: number): Promise<CloseResult>;
  /** the answers in flight as backpressure.ts sees them: what each has queued, how to end it */
  backlogs(): Iterable<Backlogged>;
}

/** Answers of a connection not done yet (pipelined ones wait their turn). */
const unanswered = new WeakMap<Socket, Set<ServerResponse>>();

/**
 * Work belongs to its client and ends with it (contract: "every request of a closed HTTP
 * connection, pipelined ones included"): Node closes only the answer being written when its
 * connection closes, so the answers pipelined behind it are closed here. Yoga aborts an
 * operation when its answer closes unfinished: their upstream calls are dropped unless
 * another operation awaits them.
 */
function endsWithItsConnection(req: IncomingMessage, res: ServerResponse): void {
  // The answer being written has the socket, and Node closes it with the connection; only
  // one waiting behind another (no socket yet) needs watching. Nothing is done otherwise.
  if (res.socket !== null) return;
  const socket = req.socket;
  let waiting = unanswered.get(socket);
  if (!waiting) {
    const own = (waiting = new Set());
    unanswered.set(socket, own);
    socket.once('close', () => {
      // A pipelined answer never gets a socket, so destroying it closes nothing: its 'close'
      // (what Yoga's adapter aborts the operation on) is announced here instead.
      for (const pending of [...own]) if (!pending.writableFinished) pending.emit('close');
      own.clear();
    });
  }
  const own = waiting;
  own.add(res);
  res.once('close', () => own.delete(res));
}

export function createNodeServer(route: RequestListener, { config, logger }: { config: Pick<Config, 'upstreamTimeoutMs' | 'upstreamRetries'>; logger: Logger }): NodeServer {
  const http = createServer(
    HTTP_SERVER_OPTIONS,
    guardRequests((req, res) => {
      connections.track(res);
      endsWithItsConnection(req, res);
      route(req, res);
    }, logger),
  );
  http.on('clientError', answerClientError);
  applyServerTimeouts(http, config);
  const connections = new GracefulClose(http);

  return {
    http,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, host, () => {
          http.off('error', reject);
          const address = http.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shownHost}:${address.port}`);
        });
      });
    },
    beginDraining: () => connections.beginDraining(),
    close: (graceMs) => connections.close(graceMs),
    *backlogs() {
      for (const res of connections.answers) {
        if (res.writableLength > 0) yield { unsent: res.writableLength, close: () => res.destroy() };
      }
    },
  };
}
