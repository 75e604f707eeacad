/**
 * `talkstack.call` spans: one per upstream try of a traced call, child of the loader batch
 * that asked for it (operationTrace.ts), and the W3C `traceparent` naming that span sent
 * upstream with the try. A call nobody traced (no batch span noted for its address: tracing
 * came from outside an operation) gets neither.
 *
 * Attributes: the try number, the HTTP status when there was one, the outcome (the metrics'
 * closed set, upstreamOutcome.ts). Never the credential; not the sid or projectId either:
 * spans leave for a collector outside this service, and they follow the rule metrics follow.
 */
import { type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OutcomeIndex, outcomeIndexOf, outcomeName, statusOf } from '../metrics/upstreamOutcome.js';
import type { TryTracer, TrySpan } from '../talkstack/client.js';
import type { TryOutcome } from '../talkstack/transport.js';
import type { CallParents } from './operationTrace.js';
import type { TracingCore } from './tracingCore.js';

export const CALL_SPAN = 'talkstack.call';
export const TRY_ATTRIBUTE = 'talkstack.try';
export const OUTCOME_ATTRIBUTE = 'talkstack.outcome';
export const STATUS_ATTRIBUTE = 'http.response.status_code';

/**
 * Only this server's own `traceparent` goes upstream: an incoming `tracestate` is the client's
 * vendor data, which Talkstack has no business reading (contract: "Bounded cost per client").
 */
const headerSetter = {
  set(carrier: Record<string, string>, key: string, value: string) {
    if (key === 'tracestate') return;
    carrier[key] = value;
  },
};

class CallSpan implements TrySpan {
  constructor(
    private readonly span: Span,
    readonly headers: Readonly<Record<string, string>>,
  ) {}

  end(outcome: TryOutcome, answered: boolean): void {
    const span = this.span;
    const index = outcomeIndexOf(outcome, answered);
    const status = statusOf(outcome);
    if (status !== 0) span.setAttribute(STATUS_ATTRIBUTE, status);
    span.setAttribute(OUTCOME_ATTRIBUTE, outcomeName(index));
    // A 404 is an answer (the call is null), a cancelled try nobody's failure.
    if (index !== OutcomeIndex.Success && index !== OutcomeIndex.NotFound && index !== OutcomeIndex.Cancelled) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcomeName(index) });
    }
    span.end();
  }
}

/** @param core the SDK once loaded (tracing.ts) */
export function createTryTracer(core: () => TracingCore | undefined, parents: CallParents): TryTracer {
  return {
    start(request, tryNumber, headers) {
      const parent = parents.get(request);
      const loaded = parent && core();
      if (!parent || !loaded) return undefined;
      const { tracer, propagator } = loaded;
      const span = tracer.startSpan(CALL_SPAN, { kind: SpanKind.CLIENT, attributes: { [TRY_ATTRIBUTE]: tryNumber } }, parent);
      const sent = { ...headers };
      propagator.inject(trace.setSpan(parent, span), sent, headerSetter);
      return new CallSpan(span, sent);
    },
  };
}
