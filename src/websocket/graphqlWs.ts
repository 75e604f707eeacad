/**
 * GraphQL over WebSocket (graphql-ws, subprotocol `graphql-transport-ws`) executed through
 * Yoga's envelop, so every plugin of the HTTP path applies to it as well (operation limits,
 * request budgets, the document size backstop in `onParse`, introspection policy, error
 * masking), following graphql-yoga's documented graphql-ws recipe.
 *
 * Each operation gets the same context as over HTTP (context.ts, `transport: 'ws'`): its own
 * call loader, so MAX_CALLS_PER_REQUEST and the other per-operation budgets apply per
 * operation, and its own signal, aborted when the operation ends: completed, cancelled by the
 * client (`complete` message, also for a query still running) or its socket closed. The
 * credential is read once per connection, from `connection_init` (connectionCredential.ts).
 *
 * What a client sees matches SSE, with one exception the contract makes: a subscription
 * refused by the caps (TOO_MANY_SUBSCRIPTIONS) gets an `error` message for its id. Other
 * failures before a stream opens (UNAUTHENTICATED, a malformed sid) are one `next` carrying
 * the error, then `complete`, as graphql-ws does by default and as over SSE (gateways pass
 * those codes on; graphql-ws clients turn an `error` message into a thrown error, which Hive
 * Gateway masks). An error thrown by a stream once open becomes one last `next` carrying it
 * (masked), then `complete`, as Yoga's SSE does. Operations refused before they run (syntax,
 * validation, limits, PERSISTED_OPERATIONS_ONLY) are `error` messages, as the protocol says. HTTP-only error extensions
 * (`http`) are not sent.
 */
import type { BackpressureGuard } from '../http/backpressure.js';
import { type ExecutionArgs, type ExecutionResult, getOperationAST, GraphQLError, type GraphQLFormattedError } from 'graphql';
import { isAsyncIterable, type YogaServerInstance } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Context } from '../graphql/context.js';
import { maskError } from '../graphql/errorMasking.js';
import type { ErrorCode } from '../calls/callDataErrors.js';
import { trustedDocumentFor } from '../limits/trustedDocuments.js';
import type { TrustedDocuments } from '../limits/trustedManifest.js';
import { loopTurns } from '../graphql/loopTurns.js';
import type { Logger } from '../logging/logger.js';
import { connectionCredential, type CredentialHeaders, isInvalidCredential } from './connectionCredential.js';

/** graphql-ws's close code for a malformed `connection_init` (its own `BadRequest`). */
export const BAD_CONNECTION_INIT = 4400;
/** RFC 6455 "going away": the server is stopping; clients reconnect (elsewhere). */
export const GOING_AWAY = 1001;

/** The refusal the contract sends over WebSocket as an `error` message. */
const TOO_MANY_SUBSCRIPTIONS: ErrorCode = 'TOO_MANY_SUBSCRIPTIONS';

/** Longest `complete` message looked at for a running operation's id (they are ~60 bytes). */
const MAX_COMPLETE_MESSAGE_BYTES = 4096;
/** WebSocket close code "try again later" (RFC 6455 registry): the client did not read. */
const TRY_AGAIN_LATER = 1013;

type Execute = (args: ExecutionArgs) => unknown;

/** One socket's state: its credential and the operations running on it. */
class Connection {
  /** set once `connection_init` is accepted */
  credentialHeaders: CredentialHeaders | undefined;
  readonly #operations = new Map<string, AbortController>();
  #draining = false;

  constructor(readonly socket: WebSocket) {}

  get operations(): number {
    return this.#operations.size;
  }

  /**
   * The turns this socket's queries start in, one per event-loop iteration (graphql/loopTurns.ts).
   * A burst of messages arrives in one read and graphql-ws starts them all in the same tick;
   * 200 queries whose calls were refused (MAX_WAITING_CALLS_PER_TENANT) then held the loop,
   * and `/health` with it, for up to 4 s. Taking turns lets every other socket be read between
   * them; a query alone waits one `setImmediate`.
   */
  readonly turns = loopTurns();

  /** Starts operation `id`; its signal aborts when it ends. */
  begin(id: string): AbortSignal {
    const controller = new AbortController();
    this.#operations.set(id, controller);
    return controller.signal;
  }

  /** Ends operation `id` (completed, refused or cancelled); later calls do nothing. */
  end(id: string): void {
    const controller = this.#operations.get(id);
    if (!controller) return;
    this.#operations.delete(id);
    controller.abort();
    if (this.#draining && this.#operations.size === 0) this.#closeSoon();
  }

  /** The socket closed: every operation on it ends. */
  endAll(): void {
    for (const controller of this.#operations.values()) controller.abort();
    this.#operations.clear();
  }

  /** Closes the socket with 1001 once no operation runs on it any more. */
  drain(): void {
    this.#draining = true;
    if (this.#operations.size === 0) this.#closeSoon();
  }

  // Deferred: graphql-ws sends an operation's `complete` (or `error`) message right after
  // the hook that ended it returns; the close frame must follow it, not overtake it.
  #closeSoon(): void {
    setImmediate(() => {
      if (this.#operations.size === 0 && this.socket.readyState === this.socket.OPEN) this.socket.close(GOING_AWAY, 'The server is going away');
    });
  }
}

/** The operation id of a `complete` message, read only when it could be one (small, says "complete"). */
function completedOperationId(data: unknown): string | undefined {
  if (!Buffer.isBuffer(data) || data.length > MAX_COMPLETE_MESSAGE_BYTES || !data.includes('"complete"')) return undefined;
  try {
    const message = JSON.parse(data.toString('utf8')) as { type?: unknown; id?: unknown };
    return message.type === 'complete' && typeof message.id === 'string' ? message.id : undefined;
  } catch {
    return undefined;
  }
}

/** Errors as clients get them over HTTP: without Yoga's internal `http` and `unexpected` extensions. */
function formatted(errors: readonly GraphQLError[]): GraphQLFormattedError[] {
  return errors.map((error) => {
    const json = error.toJSON() as { -readonly [K in keyof GraphQLFormattedError]: GraphQLFormattedError[K] };
    if (json.extensions) {
      const { http: _http, unexpected: _unexpected, ...extensions } = json.extensions;
      if (Object.keys(extensions).length > 0) json.extensions = extensions;
      else delete json.extensions;
    }
    return json;
  });
}

/** A syntax error gets the code it gets over HTTP (Yoga adds it only for HTTP requests). */
function asParseFailure(error: unknown): unknown {
  if (error instanceof GraphQLError) (error.extensions as Record<string, unknown>)['code'] ??= 'GRAPHQL_PARSE_FAILED';
  return error;
}

const isAbortError = (error: unknown): boolean => error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

export interface GraphQLOverWebSocket {
  /** open WebSocket connections */
  readonly connections: number;
  /** every connection closes with 1001 once its operations have ended */
  drain(): void;
}

export function serveGraphQLOverWebSocket(
  wss: WebSocketServer,
  {
    yoga,
    logger,
    trustedDocuments,
    maxOperations = Infinity,
    backpressure,
  }: {
    yoga: YogaServerInstance<Record<string, never>, Context>;
    logger: Logger;
    trustedDocuments?: TrustedDocuments | undefined;
    /** MAX_OPERATIONS_PER_CONNECTION: operations one socket may run at once, subscriptions included */
    maxOperations?: number;
    /** closes a socket whose unsent messages pass 16 MiB, the largest first past 256 MiB in all */
    backpressure?: BackpressureGuard | undefined;
  },
): GraphQLOverWebSocket {
  const connections = new Map<WebSocket, Connection>();
  // What onSubscribe prepared for graphql-ws's execute/subscribe calls, keyed by the args it returned.
  const executes = new WeakMap<ExecutionArgs, { run: Execute; connection: Connection }>();
  const streams = new WeakMap<ExecutionArgs, AsyncIterableIterator<ExecutionResult> | ExecutionResult>();

  /** A failure as the client may see it (masked unless it is a coded or GraphQL error), logged when unexpected. */
  const masked = (error: unknown): GraphQLError => {
    const result = maskError(error);
    if (result !== error && (result as GraphQLError).extensions?.['code'] === 'INTERNAL_SERVER_ERROR') logger.error({ err: error }, 'unexpected error in a WebSocket operation');
    return result instanceof GraphQLError ? result : new GraphQLError(result.message);
  };

  /** `source`, with an error it throws turned into one last result carrying it (as Yoga's SSE does). */
  const errorsAsLastResult = (source: AsyncIterator<ExecutionResult>): AsyncIterableIterator<ExecutionResult> => {
    let finished = false;
    const stream: AsyncIterableIterator<ExecutionResult> = {
      async next() {
        if (finished) return DONE;
        try {
          const result = await source.next();
          if (result.done) finished = true;
          return result;
        } catch (error) {
          finished = true;
          if (isAbortError(error)) return DONE;
          return { done: false, value: { errors: [masked(error)] } };
        }
      },
      async return() {
        finished = true;
        await source.return?.().catch(() => undefined);
        return DONE;
      },
      async throw(error: unknown) {
        finished = true;
        await source.return?.().catch(() => undefined);
        throw error;
      },
      [Symbol.asyncIterator]: () => stream,
    };
    return stream;
  };

  useServer(
    {
      onConnect(ctx) {
        const connection = connections.get(ctx.extra.socket);
        if (!connection) return false;
        const credential = connectionCredential(ctx.connectionParams, ctx.extra.request);
        if (isInvalidCredential(credential)) {
          // graphql-ws would close with 4403 on `false`; this one is the client's mistake.
          ctx.extra.socket.close(BAD_CONNECTION_INIT, credential.invalid);
          return false;
        }
        connection.credentialHeaders = credential;
        return true;
      },

      async onSubscribe(ctx, id, payload) {
        const connection = connections.get(ctx.extra.socket);
        const credentialHeaders = connection?.credentialHeaders;
        if (!connection || !credentialHeaders) return [new GraphQLError('The connection is not initialised.')];
        // Yoga's onParams, where HTTP requests meet PERSISTED_OPERATIONS_ONLY, does not run
        // here: the same rule, before anything is parsed. graphql-ws wants a `query` string:
        // a request by hash sends "" with its `documentId` or `extensions.persistedQuery`.
        // One socket, one client (or a gateway for many): what it runs at once is bounded, so
        // 200 messages in a few milliseconds cannot queue a hundred thousand upstream calls.
        if (connection.operations >= maxOperations) {
          return [
            new GraphQLError(`This connection already runs ${maxOperations} operations (MAX_OPERATIONS_PER_CONNECTION); wait for one to end.`, {
              extensions: { code: 'TOO_MANY_REQUESTS', retryAfterMs: 1000 },
            }),
          ];
        }
        const query = trustedDocuments ? trustedDocumentFor(trustedDocuments, payload) : payload.query;
        if (typeof query !== 'string') return [query];
        const signal = connection.begin(id);
        try {
          const { schema, parse, validate, contextFactory, execute, subscribe } = yoga.getEnveloped({
            req: ctx.extra.request,
            socket: ctx.extra.socket,
            params: query === payload.query ? payload : { ...payload, query },
            webSocketOperation: { credentialHeaders, signal },
          });
          // MAX_DOCUMENT_BYTES and MAX_TOKENS are enforced by the plugins' onParse here.
          let document: ReturnType<typeof parse>;
          try {
            document = parse(query);
          } catch (error) {
            connection.end(id);
            return [masked(asParseFailure(error))];
          }
          const validationErrors = validate(schema, document);
          if (validationErrors.length > 0) {
            connection.end(id);
            return validationErrors;
          }
          const operation = getOperationAST(document, payload.operationName);
          if (!operation) {
            connection.end(id);
            return [new GraphQLError('The document has no operation of that name, or several and no operationName.')];
          }
          const args: ExecutionArgs = {
            schema,
            document,
            operationName: payload.operationName,
            variableValues: payload.variables,
            contextValue: await contextFactory(),
          };
          if (operation.operation !== 'subscription') {
            executes.set(args, { run: execute as Execute, connection });
            return args;
          }
          // Opened here rather than in graphql-ws's `subscribe`: a subscription refused by the
          // caps must be an `error` message, which only this hook can send.
          const result = (await subscribe(args)) as AsyncIterable<ExecutionResult> | ExecutionResult;
          if (isAsyncIterable(result)) {
            streams.set(args, errorsAsLastResult(result[Symbol.asyncIterator]()));
            return args;
          }
          const errors = result.errors ?? [];
          if (errors.some((error) => error.extensions?.['code'] === TOO_MANY_SUBSCRIPTIONS)) {
            connection.end(id);
            return errors.map((error) => (error instanceof GraphQLError ? error : masked(error)));
          }
          // Any other refusal: graphql-ws sends it as one `next`, then `complete`.
          streams.set(args, result);
          return args;
        } catch (error) {
          connection.end(id);
          return [masked(error)];
        }
      },

      async execute(args) {
        const prepared = executes.get(args);
        if (!prepared) return { errors: [new GraphQLError('The operation was not prepared.')] };
        try {
          await prepared.connection.turns.take();
          return (await prepared.run(args)) as ExecutionResult;
        } catch (error) {
          return { errors: [masked(error)] };
        }
      },

      subscribe: (args) => streams.get(args) ?? { errors: [new GraphQLError('The subscription was not prepared.')] },

      onNext(_ctx, _id, _payload, _args, result) {
        if (!result.errors?.length) return undefined;
        return { ...result, errors: formatted(result.errors) };
      },

      onError: (_ctx, _id, _payload, errors) => formatted(errors),

      onComplete(ctx, id) {
        connections.get(ctx.extra.socket)?.end(id);
      },
    },
    wss,
  );

  // After graphql-ws's own listener, so its per-socket setup exists first.
  wss.on('connection', (socket: WebSocket) => {
    const connection = new Connection(socket);
    connections.set(socket, connection);
    // graphql-ws reports socket errors (an oversized message, a protocol violation: ws closes
    // the socket itself) on the console; they are the client's and belong in the log at debug.
    socket.removeAllListeners('error');
    socket.on('error', (error) => logger.debug({ reason: error.message }, 'WebSocket connection error'));
    // A client that resets its socket while results are on their way makes each later send
    // fail (ECONNRESET, EPIPE, "not open"); graphql-ws prints every such failure as a
    // multi-line stack on stderr. A failed send means the socket is going away (ws then closes
    // it, which ends its operations): nobody's error, so it is noted at debug and dropped.
    const send = socket.send.bind(socket) as (data: unknown, callback?: (error?: Error) => void) => void;
    let noted = false;
    // A client that stops reading: its messages queue here, bounded (http/backpressure.ts).
    const backlog = {
      get unsent() {
        return socket.bufferedAmount;
      },
      close() {
        socket.close(TRY_AGAIN_LATER, 'The connection does not read its messages; connect again');
        // The close frame waits behind what is queued: the socket goes for good soon after.
        setTimeout(() => socket.terminate(), 1000).unref();
      },
    };
    const unwatch = backpressure?.watch(backlog);
    socket.once('close', () => unwatch?.());
    (socket as { send: unknown }).send = (data: unknown, callback?: (error?: Error) => void) => {
      if (socket.readyState !== socket.OPEN) return callback?.();
      send(data, (error) => {
        if (error && !noted) {
          noted = true;
          logger.debug({ reason: error.message }, 'a WebSocket send failed: the client has gone');
        }
        callback?.();
      });
      backpressure?.checkOne(backlog);
    };
    // graphql-ws cancels a client-completed subscription, but not a query still running.
    socket.on('message', (data) => {
      if (connection.operations === 0) return;
      const id = completedOperationId(data);
      if (id !== undefined) connection.end(id);
    });
    socket.once('close', () => {
      connection.endAll();
      connections.delete(socket);
    });
  });

  return {
    get connections() {
      return connections.size;
    },
    drain() {
      for (const connection of connections.values()) connection.drain();
    },
  };
}
