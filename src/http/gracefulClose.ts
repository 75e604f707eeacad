/**
 * Closing the HTTP server without dropping the requests it is answering (contract:
 * "Stopping"). Node's `server.close()` stops listening and closes idle keep-alive
 * connections, but a connection busy at that moment stays open after its answer until
 * `keepAliveTimeout` (65 s here), and `closeAllConnections()` drops busy ones mid-answer.
 * So the answers in flight are tracked, each one's connection is closed as soon as it is
 * done, and only what is still running when the grace period ends is dropped.
 *
 * Connections with no answer in flight are not all "idle" to Node: one opened but silent (a
 * browser's or balancer's preconnect) would hold `close()` forever, so once nothing is in
 * flight every remaining HTTP connection is closed. Sockets taken over by an upgrade
 * (WebSocket) are no longer Node's HTTP connections: the grace period ends them too.
 */
import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface CloseResult {
  /** answers still running when the grace period ended, cut off */
  dropped: number;
}

export class GracefulClose {
  readonly #server: Server;
  readonly #open = new Set<ServerResponse>();
  readonly #sockets = new Set<Socket>();
  #draining = false;
  #closing = false;
  #closed: Promise<CloseResult> | undefined;
  #idleCheck: NodeJS.Immediate | undefined;
  // One listener for every answer (`this` is the answer): nothing allocated per request.
  readonly #onAnswerClosed: (this: ServerResponse) => void;

  constructor(server: Server) {
    this.#server = server;
    // Per connection, not per request: keep-alive makes this rare.
    const sockets = this.#sockets;
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    const open = this.#open;
    const closeIdleSoon = () => this.#closeIdleSoon();
    const isClosing = () => this.#closing;
    this.#onAnswerClosed = function (this: ServerResponse) {
      open.delete(this);
      if (isClosing()) closeIdleSoon();
    };
  }

  /** the answers being written now (the backpressure guard looks at their backlogs) */
  get answers(): Iterable<ServerResponse> {
    return this.#open;
  }

  /** answers being written now */
  get inFlight(): number {
    return this.#open.size;
  }

  /** Call first for every request. */
  track(res: ServerResponse): void {
    this.#open.add(res);
    // `on`, not `once`: 'close' is emitted once anyway, and `once` would wrap the listener per call.
    res.on('close', this.#onAnswerClosed);
    if (this.#draining) res.setHeader('connection', 'close');
  }

  /**
   * From the stop signal on, every answer closes its connection, so keep-alive clients
   * open a new one, through the load balancer, to an instance that is not stopping.
   */
  beginDraining(): void {
    this.#draining = true;
    for (const res of this.#open) if (!res.headersSent) res.setHeader('connection', 'close');
  }

  /**
   * Stops listening, lets the answers in flight finish for up to `graceMs`, closes each
   * connection once it is idle, then cuts whatever is left. Resolves once every connection
   * is closed. Idempotent.
   */
  close(graceMs: number): Promise<CloseResult> {
    this.#closed ??= new Promise<CloseResult>((resolve) => {
      this.beginDraining();
      this.#closing = true;
      let dropped = 0;
      let graceTimer: NodeJS.Timeout | undefined;
      // Called once every connection is gone (or at once, with an error, if not listening).
      this.#server.close(() => {
        clearTimeout(graceTimer);
        resolve({ dropped });
      });
      const cutOff = () => {
        dropped = this.#open.size;
        this.#server.closeAllConnections();
        for (const socket of this.#sockets) socket.destroy();
      };
      if (graceMs <= 0) {
        cutOff();
        return;
      }
      graceTimer = setTimeout(cutOff, graceMs);
      if (this.#open.size === 0) this.#server.closeAllConnections();
    });
    return this.#closed;
  }

  /**
   * After an answer ends, its connection becomes idle a moment later: close it then, and
   * every other connection once nothing is in flight.
   */
  #closeIdleSoon(): void {
    this.#idleCheck ??= setImmediate(() => {
      this.#idleCheck = undefined;
      if (this.#open.size === 0) this.#server.closeAllConnections();
      else this.#server.closeIdleConnections();
    });
  }
}
