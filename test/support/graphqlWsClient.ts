/**
 * GraphQL over WebSocket in tests, with graphql-ws's own client over `ws`: connections that
 * record how they closed, and operations that record every message they got (`next`,
 * `error`, `complete`). No retries, every wait bounded.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { type Client, createClient } from 'graphql-ws';
import { expect } from 'vitest';
import WebSocket from 'ws';
import type { ExecutionPayload } from './sse.js';
import { SSE_WAIT_MS, waitUntil } from './sse.js';

export const wsUrlOf = (baseUrl: string, path = '/graphql') => `${baseUrl.replace(/^http/, 'ws')}${path}`;

export interface WsConnectionOptions {
  /** the `connection_init` payload */
  connectionParams?: Record<string, unknown>;
  /** headers of the upgrade request (Origin, credentials…) */
  headers?: OutgoingHttpHeaders;
}

export interface WsClose {
  code: number;
  reason: string;
}

export type WsEvent<TData> =
  | { type: 'next'; payload: ExecutionPayload<TData> }
  | { type: 'error'; errors: Array<{ message: string; extensions?: Record<string, unknown> }> }
  | { type: 'complete' };

export class WsOperation<TData = Record<string, unknown>> {
  readonly events: WsEvent<TData>[] = [];
  /** set when the sink got something that is not an array of GraphQL errors (a close event) */
  failure: unknown;
  readonly #cancel: () => void;

  constructor(client: Client, query: string, variables: Record<string, unknown>) {
    this.#cancel = client.subscribe<TData>(
      { query, variables },
      {
        next: (payload) => void this.events.push({ type: 'next', payload: payload as ExecutionPayload<TData> }),
        error: (error) => {
          if (Array.isArray(error)) this.events.push({ type: 'error', errors: error as WsEvent<TData> extends { errors: infer E } ? E : never });
          else this.failure = error;
        },
        complete: () => void this.events.push({ type: 'complete' }),
      },
    );
  }

  get ended(): boolean {
    return this.failure !== undefined || this.events.some((event) => event.type !== 'next');
  }

  /** Waits until event `index` arrived and returns it. */
  async event(index: number, timeoutMs = SSE_WAIT_MS): Promise<WsEvent<TData>> {
    await waitUntil(() => this.events.length > index || this.failure !== undefined, `WebSocket event #${index} (got ${JSON.stringify(this.events)})`, timeoutMs);
    const event = this.events[index];
    if (!event) throw new Error(`the operation failed before event #${index}: ${String(this.failure)} ${JSON.stringify(this.events)}`);
    return event;
  }

  /** Event `index` as a `next` payload. */
  async payload(index: number, timeoutMs = SSE_WAIT_MS): Promise<ExecutionPayload<TData>> {
    const event = await this.event(index, timeoutMs);
    if (event.type !== 'next') throw new Error(`event #${index} is ${JSON.stringify(event)}, not a next`);
    return event.payload;
  }

  /** Waits until the operation completed or errored. */
  async end(timeoutMs = SSE_WAIT_MS): Promise<void> {
    await waitUntil(() => this.ended, `the WebSocket operation ended (got ${JSON.stringify(this.events)})`, timeoutMs);
  }

  nextEvents(): ExecutionPayload<TData>[] {
    return this.events.flatMap((event) => (event.type === 'next' ? [event.payload] : []));
  }

  /** The client stops the operation: graphql-ws sends `complete` for it. */
  cancel(): void {
    this.#cancel();
  }
}

export class WsConnection {
  readonly client: Client;
  closedWith: WsClose | undefined;
  connected = false;
  socket: WebSocket | undefined;

  constructor(url: string, { connectionParams, headers }: WsConnectionOptions = {}) {
    // graphql-ws constructs `new webSocketImpl(url, protocol)`: this subclass adds the upgrade headers.
    class WithHeaders extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers });
      }
    }
    this.client = createClient({
      url,
      webSocketImpl: WithHeaders,
      lazy: false,
      retryAttempts: 0,
      connectionParams,
      on: {
        opened: (socket) => {
          this.socket = socket as WebSocket;
        },
        connected: () => {
          this.connected = true;
        },
        closed: (event) => {
          const { code, reason } = event as { code: number; reason: string };
          this.closedWith = { code, reason: String(reason) };
        },
      },
      onNonLazyError: () => undefined,
    });
  }

  operation<TData = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): WsOperation<TData> {
    return new WsOperation<TData>(this.client, query, variables);
  }

  /** Runs a query and returns its single result (a `next`, then `complete`). */
  async query<TData = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<ExecutionPayload<TData>> {
    const operation = this.operation<TData>(query, variables);
    await operation.end();
    expect(operation.events.map((event) => event.type)).toEqual(['next', 'complete']);
    return operation.nextEvents()[0] as ExecutionPayload<TData>;
  }

  async waitConnected(timeoutMs = SSE_WAIT_MS): Promise<void> {
    await waitUntil(() => this.connected || this.closedWith !== undefined, 'the WebSocket connection was acknowledged', timeoutMs);
    if (!this.connected) throw new Error(`the connection closed: ${JSON.stringify(this.closedWith)}`);
  }

  async waitClosed(timeoutMs = SSE_WAIT_MS): Promise<WsClose> {
    await waitUntil(() => this.closedWith !== undefined, 'the WebSocket connection closed', timeoutMs);
    return this.closedWith as WsClose;
  }

  /** The client goes away at once (no close handshake), as a crashed tab or a dropped link. */
  drop(): void {
    this.socket?.terminate();
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}

/**
 * The answer to an upgrade request: 101 when the server upgraded it, else the status it
 * answered with. The socket is closed right after.
 */
export function upgradeStatus(url: string, protocols: string | string[] | undefined, headers: OutgoingHttpHeaders = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols, { headers });
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error('no answer to the upgrade'));
    }, SSE_WAIT_MS);
    socket.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      res.resume();
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('open', () => {
      clearTimeout(timer);
      resolve(101);
      socket.terminate();
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
