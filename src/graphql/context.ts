/**
 * The per-operation GraphQL context: who is asking (the credential), the call loader that every
 * lookup of the operation shares, and the operation's scope (its client's presence). Built
 * by Yoga once per HTTP request, and once per operation over a WebSocket.
 *
 * Work belongs to its client and ends with it, by one mechanism whatever the transport: the
 * operation's `signal`. Over HTTP (a query, an incremental answer, an SSE stream) it is the
 * request's, aborted when its answer closes unfinished (a request pipelined behind another
 * runs only in its turn: http/nodeServer.ts); over a WebSocket each operation has its own,
 * aborted when the operation completes, is cancelled, or its socket closes
 * (websocket/graphqlWs.ts). The loader's FetchScope drops the operation's upstream calls then
 * (unless another operation awaits them), and a subscription's lease ends with it.
 *
 * `Context` is what the Pothos builder (schema/builder.ts) and the resolvers are typed with;
 * it names only modules below them, so neither has to import the other for it.
 */
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config/config.js';
import { CallLoader } from '../fetch/callLoader.js';
import type { FetchCall } from '../fetch/fetchCall.js';
import { FetchScope } from '../fetch/fetchScope.js';
import { type Credential, credentialFrom } from '../identity/credential.js';
import type { CallPollers } from '../subscriptions/callPollers.js';
import type { SubscriptionRegistry } from '../subscriptions/subscriptionRegistry.js';

export interface Context {
  readonly config: Config;
  /** undefined when neither the request nor the server has a credential */
  readonly credential: Credential | undefined;
  /** undefined exactly when `credential` is */
  readonly calls: CallLoader | undefined;
  /** aborted when the client goes away; long-running resolvers (subscriptions) watch it */
  readonly signal: AbortSignal;
  /** the server's open subscriptions; a subscription takes a lease here before it polls */
  readonly subscriptions: SubscriptionRegistry;
  /** the server's shared pollers (one per credential and call): what subscriptions watch calls with */
  readonly pollers: CallPollers;
  /** how the operation arrived: over HTTP (queries, SSE subscriptions) or a WebSocket */
  readonly transport: 'http' | 'ws';
}

export interface ContextFactoryOptions {
  config: Config;
  /** the fetch pipeline's first layer */
  fetchCall: FetchCall;
  subscriptions: SubscriptionRegistry;
  pollers: CallPollers;
  /** the server's own credential (`TALKSTACK_API_KEY`), used when a request brings none */
  serviceCredential: Credential | undefined;
  /** told which loader serves an HTTP request's operation (the fast path for settled answers) */
  onOperation?: (req: IncomingMessage | undefined, loader: CallLoader | undefined) => void;
  /** told each loader batch's size (metrics) */
  observeBatch?: (size: number) => void;
}

/**
 * What the WebSocket transport hands Yoga's envelop for one operation (websocket/graphqlWs.ts)
 * instead of a Fetch `Request`: where the connection's credential is read from, and a signal
 * aborted when that operation ends (completed, cancelled by the client, or the socket closed).
 */
export interface WebSocketOperation {
  readonly credentialHeaders: { get(name: string): string | null };
  readonly signal: AbortSignal;
}

/** Yoga's initial context over HTTP, or the WebSocket transport's for one operation. */
type InitialContext = { request: Request; req?: IncomingMessage } | { webSocketOperation: WebSocketOperation };

export type ContextFactory = (initial: InitialContext) => Context;

export function createContextFactory({ config, fetchCall, subscriptions, pollers, serviceCredential, onOperation, observeBatch }: ContextFactoryOptions): ContextFactory {
  const maxCalls = config.maxCallsPerRequest;
  // The same context whatever the transport: one loader (and its limits) per operation.
  const contextOf = (credential: Credential | undefined, signal: AbortSignal, transport: Context['transport']): Context => ({
    config,
    credential,
    calls: credential && new CallLoader({ credential, maxCalls, fetchCall, scope: new FetchScope(signal), observeBatch }),
    signal,
    subscriptions,
    pollers,
    transport,
  });
  return (initial): Context => {
    if ('webSocketOperation' in initial) {
      const { credentialHeaders, signal } = initial.webSocketOperation;
      return contextOf(credentialFrom(credentialHeaders, serviceCredential), signal, 'ws');
    }
    const { request, req } = initial;
    const context = contextOf(credentialFrom(request.headers, serviceCredential), request.signal, 'http');
    onOperation?.(req, context.calls);
    return context;
  };
}
