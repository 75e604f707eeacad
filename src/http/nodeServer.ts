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

/** Answers pipelined behind another on a connection, waiting for their turn. */
const parked = new WeakMap<Socket, Set<ServerResponse>>();

/**
 * Work belongs to its client and ends with it (contract: "every request of a closed HTTP
 * connection, pipelined ones included"). A request pipelined behind another runs only when its
 * turn comes (its answer gets the socket, as answers go out in order anyway): before this, 100
 * pipelined requests all ran at once, their finished answers queued behind the first made Node
 * stop reading the socket, and a client that left then went unnoticed, its 48,600 upstream
 * calls still queued 40 s later. Now nothing but the request being answered runs, Node keeps
 * reading (nothing queues), sees the client go and closes the running answer (Yoga aborts its
 * operation); the parked ones are closed here, never having run.
 */
function inItsTurn(req: IncomingMessage, res: ServerResponse, run: () => void): void {
  if (res.socket !== null) {
    run();
    return;
  }
  const socket = req.socket;
  if (socket.destroyed) {
    // Parsed from bytes the client sent before it went: nobody to answer.
    setImmediate(() => res.emit('close'));
    return;
  }
  let waiting = parked.get(socket);
  if (!waiting) {
    const own = (waiting = new Set());
    parked.set(socket, own);
    socket.once('close', () => {
      // A parked answer never gets a socket: its 'close' (what the trackers wait for) is told here.
      for (const answer of [...own]) answer.emit('close');
      own.clear();
    });
  }
  const own = waiting;
  own.add(res);
  res.once('socket', () => {
    own.delete(res);
    run();
  });
}

export function createNodeServer(route: RequestListener, { config, logger }: { config: Pick<Config, 'upstreamTimeoutMs' | 'upstreamRetries'>; logger: Logger }): NodeServer {
  const http = createServer(
    HTTP_SERVER_OPTIONS,
    guardRequests((req, res) => {
      connections.track(res);
      inItsTurn(req, res, () => route(req, res));
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
