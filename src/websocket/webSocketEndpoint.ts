/**
 * The WebSocket endpoint beside SSE on `/graphql`: which HTTP upgrades become GraphQL over
 * WebSocket connections (graphqlWs.ts), and how they end when the server stops.
 *
 * An upgrade passes the same gates as an HTTP request where they make sense, before any
 * WebSocket exists: the request head checks (duplicated credential headers, a bad Host:
 * requestHead.ts), the path (`/graphql` only, else 404), the draining state (503 once the
 * server is stopping), the origin (a browser page may open a WebSocket to any site, and no
 * CORS preflight protects it: an `Origin` neither listed in CORS_ORIGINS nor the server's own
 * gets 403; no `Origin` is not a browser and passes), and the subprotocol
 * (`graphql-transport-ws` only, else 400). Messages are bounded by MAX_BODY_BYTES.
 *
 * Upgrades to anything but WebSocket (`Upgrade: h2c`, which `curl --http2` sends) are not
 * refused: RFC 9110 lets a server ignore Upgrade, and without an `upgrade` listener Node
 * served them as plain requests. Node hands every Upgrade request to this listener, so such
 * a request is given back to the HTTP server as it arrived, minus the Upgrade header.
 */
import type { BackpressureGuard } from '../http/backpressure.js';
import type { IncomingMessage, Server } from 'node:http';
import { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { Config } from '../config/config.js';
import type { TrustedDocuments } from '../limits/trustedManifest.js';
import type { Context } from '../graphql/context.js';
import { isAllowedUpgradeRequest } from '../http/cors.js';
import { writeErrorToSocket } from '../http/errorAnswer.js';
import { hostCheck, MISDIRECTED } from '../http/allowedHosts.js';
import { checkRequestHead } from '../http/requestHead.js';
import type { Logger } from '../logging/logger.js';
import { type GraphQLOverWebSocket, serveGraphQLOverWebSocket } from './graphqlWs.js';

export const GRAPHQL_TRANSPORT_WS = 'graphql-transport-ws';

export interface WebSocketEndpoint {
  /** open WebSocket connections */
  readonly connections: number;
  /**
   * Stopping begins: new upgrades get 503, and each connection closes with 1001 once its
   * operations have ended (subscriptions end when the registry completes them).
   */
  drain(): void;
  /**
   * Terminates every connection still open, at once or once `graceMs` have passed (the
   * grace the HTTP answers in flight get). Later calls with 0 end the wait.
   */
  close(graceMs?: number): void;
}

export interface WebSocketEndpointOptions {
  path: string;
  config: Pick<Config, 'corsOrigins' | 'maxBodyBytes' | 'allowedHosts' | 'maxOperationsPerConnection'>;
  yoga: YogaServerInstance<Record<string, never>, Context>;
  logger: Logger;
  /** PERSISTED_OPERATIONS_ONLY: the only documents operations may run */
  trustedDocuments?: TrustedDocuments | undefined;
  /** the process's backpressure guard (http/backpressure.ts) */
  backpressure?: BackpressureGuard | undefined;
}

const ignore = () => {};

const isWebSocketUpgrade = (req: IncomingMessage): boolean => req.headers.upgrade?.trim().toLowerCase() === 'websocket';

/** The subprotocols a client offers (`Sec-WebSocket-Protocol`, comma-separated). */
function offersSubprotocol(req: IncomingMessage, wanted: string): boolean {
  const offered = req.headers['sec-websocket-protocol'];
  return offered !== undefined && offered.split(',').some((protocol) => protocol.trim() === wanted);
}

/** Connection tokens that only meant "upgrade", dropped when the request is served as it is. */
const UPGRADE_TOKENS = new Set(['upgrade', 'http2-settings']);

/**
 * Gives an Upgrade request this server does not speak back to Node's HTTP parser, as the
 * client sent it but without asking to upgrade: it is then served like any request (body,
 * keep-alive and every check included).
 */
function serveWithoutUpgrade(http: Server, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  let text = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/${req.httpVersion}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const lower = name.toLowerCase();
    if (lower === 'upgrade' || lower === 'http2-settings') continue;
    if (lower === 'connection') {
      const kept = value
        .split(',')
        .map((token) => token.trim())
        .filter((token) => token !== '' && !UPGRADE_TOKENS.has(token.toLowerCase()));
      if (kept.length > 0) text += `${name}: ${kept.join(', ')}\r\n`;
      continue;
    }
    text += `${name}: ${value}\r\n`;
  }
  // Header bytes came in as latin1 strings: written back the same way, byte for byte.
  socket.unshift(Buffer.concat([Buffer.from(`${text}\r\n`, 'latin1'), head]));
  http.emit('connection', socket);
}

/** requestHead.ts's checks on an upgrade request, answering on its socket when they fail. */
function passesHeadChecks(req: IncomingMessage, socket: Duplex): boolean {
  const res = new ServerResponse(req);
  res.assignSocket(socket as Socket);
  if (checkRequestHead(req, res)) {
    res.detachSocket(socket as Socket);
    return true;
  }
  res.once('finish', () => socket.destroy());
  return false;
}

const pathOf = (url: string | undefined): string => {
  const target = url ?? '/';
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
};

export function attachWebSocketEndpoint(http: Server, { path, config, yoga, logger, trustedDocuments, backpressure }: WebSocketEndpointOptions): WebSocketEndpoint {
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxBodyBytes });
  const graphql: GraphQLOverWebSocket = serveGraphQLOverWebSocket(wss, { yoga, logger, trustedDocuments, maxOperations: config.maxOperationsPerConnection, backpressure });
  let draining = false;
  let graceTimer: NodeJS.Timeout | undefined;

  const refuse = (socket: Duplex, status: number, code: string, message: string): void => writeErrorToSocket(socket as Socket, status, code, message);
  const hostAllowed = hostCheck(config.allowedHosts);

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!isWebSocketUpgrade(req)) {
      serveWithoutUpgrade(http, req, socket, head);
      return;
    }
    // Node's HTTP server no longer watches this socket: a reset must not become an uncaught error.
    socket.on('error', ignore);
    if (!passesHeadChecks(req, socket)) return;
    if (hostAllowed && !hostAllowed(req)) return refuse(socket, 421, 'BAD_REQUEST', MISDIRECTED);
    if (pathOf(req.url) !== path) return refuse(socket, 404, 'NOT_FOUND', `WebSocket connections are served on ${path} only.`);
    if (draining) return refuse(socket, 503, 'SERVICE_UNAVAILABLE', 'The server is stopping; connect again.');
    if (!isAllowedUpgradeRequest(req, config)) {
      return refuse(socket, 403, 'FORBIDDEN', 'This origin may not open a WebSocket to this server (CORS_ORIGINS).');
    }
    if (!offersSubprotocol(req, GRAPHQL_TRANSPORT_WS)) {
      return refuse(socket, 400, 'BAD_REQUEST', `GraphQL over WebSocket needs the subprotocol ${GRAPHQL_TRANSPORT_WS} (graphql-ws).`);
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const endpoint: WebSocketEndpoint = {
    get connections() {
      return graphql.connections;
    },
    drain() {
      draining = true;
      graphql.drain();
    },
    close(graceMs = 0) {
      draining = true;
      clearTimeout(graceTimer);
      if (graceMs > 0 && wss.clients.size > 0) {
        // Unref'd: it must not keep a process alive whose connections are all gone.
        graceTimer = setTimeout(() => endpoint.close(), graceMs).unref();
        return;
      }
      // Through ws, so graphql-ws sees the sockets closing and writes nothing more to them.
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
  return endpoint;
}
