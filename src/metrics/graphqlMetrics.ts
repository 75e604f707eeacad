/**
 * GraphQL operations as a metric: `talkstack_graphql_requests_total{operation_type,outcome}`,
 * one count per operation the pipeline handles, over HTTP or WebSocket (envelop's hooks, which
 * both transports run). The type is what was executed (query, mutation, subscription), or
 * `unknown` for a document refused at parsing or validation (a syntax error, an unknown field,
 * a depth, alias or token limit); the outcome is `error` when the result lists errors (a
 * subscription: when it could not be opened), else `success`. Requests refused before a
 * document is parsed (no query, a document over MAX_DOCUMENT_BYTES, CSRF) are not operations
 * and are not counted; answers of the fast path for settled answers never reach the pipeline:
 * they are `talkstack_cache_requests_total{layer="response",result="hit"}`. An incremental
 * result (@defer, @stream) is counted once, when its last payload has gone or its client has
 * left, as an error when any of its payloads listed errors.
 *
 * Per operation: a few calls of constant hook functions and one array increment. No closure
 * per request (but for an incremental result's two), no label hashing (the labelled series
 * are built at scrape time).
 */
import type { ExecutionArgs } from 'graphql';
import { getOperationAST } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { Counter, type Registry } from 'prom-client';
import { payloadHasErrors } from '../graphql/incrementalPayloads.js';

const OPERATION_TYPES = ['query', 'mutation', 'subscription', 'unknown'] as const;
const OUTCOMES = ['success', 'error'] as const;
const QUERY = 0;
const MUTATION = 1;
const SUBSCRIPTION = 2;
const UNKNOWN = 3;

const failed = (result: unknown): boolean => !isAsyncIterable(result) && payloadHasErrors(result);

export class GraphQLMetrics {
  /** index: type * 2 + (error ? 1 : 0) */
  readonly #counts = new Array<number>(OPERATION_TYPES.length * OUTCOMES.length).fill(0);

  constructor(registry: Registry) {
    const counts = this.#counts;
    new Counter({
      name: 'talkstack_graphql_requests_total',
      help: 'GraphQL operations handled by the pipeline, by operation type (unknown: refused at parsing or validation) and outcome.',
      labelNames: ['operation_type', 'outcome'] as const,
      registers: [registry],
      collect() {
        this.reset();
        OPERATION_TYPES.forEach((type, t) =>
          OUTCOMES.forEach((outcome, o) => this.inc({ operation_type: type, outcome }, counts[t * 2 + o] as number)),
        );
      },
    });
  }

  /** The Yoga plugin that counts. Its hooks are made once: nothing is allocated per operation. */
  plugin(): Plugin {
    const counts = this.#counts;
    const count = (type: number, error: boolean) => {
      counts[type * 2 + (error ? 1 : 0)]! += 1;
    };
    const parsed = ({ result }: { result: unknown }) => {
      if (result instanceof Error) count(UNKNOWN, true);
    };
    const validated = ({ valid }: { valid: boolean }) => {
      if (!valid) count(UNKNOWN, true);
    };
    const executed = {
      onExecuteDone({ args, result }: { args: ExecutionArgs; result: unknown }) {
        const type = getOperationAST(args.document, args.operationName)?.operation === 'mutation' ? MUTATION : QUERY;
        if (!isAsyncIterable(result)) {
          count(type, failed(result));
          return undefined;
        }
        // Only incremental results pay for a closure: their errors may come in any payload.
        let error = false;
        return {
          onNext: ({ result: payload }: { result: unknown }) => {
            error ||= payloadHasErrors(payload);
          },
          onEnd: () => count(type, error),
        };
      },
    };
    const subscribed = {
      onSubscribeResult({ result }: { result: unknown }) {
        count(SUBSCRIPTION, failed(result));
      },
    };
    return {
      onParse: () => parsed,
      onValidate: () => validated,
      onExecute: () => executed,
      onSubscribe: () => subscribed,
    };
  }
}
