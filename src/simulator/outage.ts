/**
 * The simulator's outage switch: every `POST /call` answered with one 5xx, or no server at
 * all. The second is a port nobody listens on, which clients see as ECONNREFUSED rather than
 * as an HTTP answer, so the listening socket itself must go away and come back on the same
 * port (a client's base URL cannot follow a new one).
 */
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** `'off'`, a status 500..599 answered to every `POST /call`, or `'refuse'`: connections refused. */
export type OutageMode = 'off' | 'refuse' | number;

export function checkOutage(mode: unknown): OutageMode {
  if (mode === 'off' || mode === 'refuse') return mode;
  if (typeof mode === 'number' && Number.isInteger(mode) && mode >= 500 && mode <= 599) return mode;
  const shown = typeof mode === 'string' ? `"${mode}"` : String(mode);
  throw new RangeError(`outage must be 'off', 'refuse' or a status 500..599, got ${shown}`);
}

/** The listening socket, switchable off and on, and the connections it accepted. */
export class Listener {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #port = 0;
  #host = '';

  constructor(server: Server) {
    this.#server = server;
    // Node tracks connections too, but cannot spare one (the admin request asking for the outage).
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  /** Listens on `port` (0: any free one) and remembers the port it got, for {@link resume}. */
  async listen(port: number, host: string): Promise<number> {
    const server = this.#server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#host = host;
    return this.#port;
  }

  /**
   * Stops accepting connections and destroys the open ones, requests in flight included.
   * `spare` (the connection that asked) is left to deliver its answer; the caller closes it.
   */
  refuse(spare?: Socket): void {
    // Closing the listening handle frees the port at once: the next connect is refused.
    if (this.#server.listening) this.#server.close();
    for (const socket of this.#sockets) if (socket !== spare) socket.destroy();
  }

  /** Listens again on the same host and port. Rejects when the port was taken meanwhile. */
  async resume(): Promise<void> {
    if (this.#server.listening) return;
    await this.listen(this.#port, this.#host);
  }
}
