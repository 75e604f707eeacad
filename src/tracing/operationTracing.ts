/**
 * `graphql.operation` spans: one per executed GraphQL operation (query, mutation or
 * subscription), continuing the W3C `traceparent` (and `tracestate`) the request came with,
 * else the root of a new trace. Attributes: the operation's type and name. Its status is an
 * error when the result lists errors (a subscription: when it could not be opened); a
 * subscription's span lasts until its stream ends, and so does an incremental result's
 * (@defer, @stream: until its last payload or its client leaves; an error in any payload). An operation refused before execution (a
 * syntax or validation error, a limit) has no span.
 *
 * Before the operation runs, its call loader is given the operation's trace, so its batches
 * and their upstream tries become children of this span (operationTrace.ts).
 *
 * The plugin goes first in Yoga's list: a later plugin that answers in `onExecute` without
 * executing (a limit) must not leave this span open.
 */
import { type Context as OtelContext, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { getOperationAST, type DocumentNode } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { CallLoader } from '../fetch/callLoader.js';
import { payloadHasErrors } from '../graphql/incrementalPayloads.js';
import { type CallParents, OperationTrace } from './operationTrace.js';
import type { TracingCore } from './tracingCore.js';

export const OPERATION_SPAN = 'graphql.operation';
export const OPERATION_TYPE_ATTRIBUTE = 'graphql.operation.type';
export const OPERATION_NAME_ATTRIBUTE = 'graphql.operation.name';

/** What this plugin reads on the operation's context. */
interface TracedContext {
  /** Yoga's Fetch request over HTTP; absent over a WebSocket */
  readonly request?: { readonly headers: Headers };
  readonly calls?: CallLoader;
}

const headerGetter = {
  get: (carrier: Headers, key: string) => carrier.get(key) ?? undefined,
  keys: (carrier: Headers) => [...carrier.keys()],
};

// Incremental payloads (@defer, @stream) carry their errors in their parts too.
const failed = (result: unknown) => !isAsyncIterable(result) && payloadHasErrors(result);

function finish(span: Span, error: boolean): void {
  if (error) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/** @param core the SDK once loaded (tracing.ts); until then operations are not traced */
export function useOperationTracing(core: () => TracingCore | undefined, parents: CallParents): Plugin {
  const start = ({ tracer, propagator }: TracingCore, contextValue: unknown, document: DocumentNode, operationName: string | null | undefined): Span => {
    const context = contextValue as TracedContext;
    const headers = context.request?.headers;
    const parent: OtelContext = headers ? propagator.extract(ROOT_CONTEXT, headers, headerGetter) : ROOT_CONTEXT;
    const operation = getOperationAST(document, operationName);
    const span = tracer.startSpan(
      OPERATION_SPAN,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [OPERATION_TYPE_ATTRIBUTE]: operation?.operation ?? 'query',
          ...(operation?.name ? { [OPERATION_NAME_ATTRIBUTE]: operation.name.value } : {}),
        },
      },
      parent,
    );
    if (context.calls) context.calls.trace = new OperationTrace(tracer, trace.setSpan(parent, span), parents);
    return span;
  };

  return {
    onExecute({ args }) {
      const loaded = core();
      if (!loaded) return undefined;
      const span = start(loaded, args.contextValue, args.document, args.operationName);
      return {
        onExecuteDone({ result }) {
          if (!isAsyncIterable(result)) {
            finish(span, failed(result));
            return undefined;
          }
          let errors = false;
          return {
            onNext: ({ result: next }) => {
              errors ||= failed(next);
            },
            onEnd: () => finish(span, errors),
          };
        },
      };
    },
    onSubscribe({ args }) {
      const loaded = core();
      if (!loaded) return undefined;
      const span = start(loaded, args.contextValue, args.document, args.operationName);
      let ended = false;
      const end = (error: boolean) => {
        if (ended) return;
        ended = true;
        finish(span, error);
      };
      return {
        onSubscribeResult({ result }) {
          if (!isAsyncIterable(result)) {
            end(failed(result));
            return undefined;
          }
          return { onEnd: () => end(false) };
        },
        onSubscribeError() {
          end(true);
        },
      };
    },
  };
}
