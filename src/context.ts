/**
 * The per-request GraphQL context: who is asking (the credential), the call loader that every
 * lookup of the operation shares, and the operation's scope (its client's presence). Built
 * once per HTTP request by Yoga.
 */
import { CallLoader, type FetchCall } from './calls/callLoader.js';
import { OperationScope } from './calls/operationScope.js';
import type { Config } from './config.js';
import type { SubscriptionRegistry } from './subscriptions/subscriptionRegistry.js';
import { type Credential, credentialFrom } from './talkstack/credentials.js';

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
  /** how the operation arrived: over HTTP (queries, SSE subscriptions) or a WebSocket */
  readonly transport: 'http' | 'ws';
}

export interface ContextFactoryOptions {
  config: Config;
  fetchCall: FetchCall;
  subscriptions: SubscriptionRegistry;
  /** the server's own credential (`TALKSTACK_API_KEY`), used when a request brings none */
  serviceCredential: Credential | undefined;
}

export function createContextFactory({ config, fetchCall, subscriptions, serviceCredential }: ContextFactoryOptions) {
  const maxCalls = config.maxCallsPerRequest;
  return ({ request }: { request: Request }): Context => {
    const credential = credentialFrom(request.headers, serviceCredential);
    const signal = request.signal;
    return {
      config,
      credential,
      calls: credential && new CallLoader({ credential, maxCalls, fetchCall, scope: new OperationScope(signal) }),
      signal,
      subscriptions,
      transport: 'http',
    };
  };
}
