/**
 * The OpenTelemetry SDK part of tracing: a tracer provider of this server's own (never
 * registered globally: tests run several servers in one process), its span processors, and
 * the W3C trace-context propagator. Loaded by tracing.ts with a dynamic import, only when
 * tracing is on: the SDK and the OTLP exporter cost ~140 ms and ~7 MB RSS at start-up, which a
 * server without tracing does not pay.
 *
 * Spans go to `<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces` (OTLP/HTTP, JSON) through a
 * BatchSpanProcessor, or to the span processors a test gives instead.
 *
 * Every string attribute value is cut to MAX_ATTRIBUTE_LENGTH characters: some come from the
 * client (`graphql.operation.name` is whatever name the document gives, thousands of
 * characters if it likes), and a span should not carry, or make the collector store, that.
 */
import type { TextMapPropagator, Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

export const SERVICE_NAME = 'talkstack-calls-graphql';
/** Longest string attribute value a span keeps, in characters. */
export const MAX_ATTRIBUTE_LENGTH = 256;

export interface TracingCore {
  readonly tracer: Tracer;
  readonly propagator: TextMapPropagator;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface TracingCoreOptions {
  /** OTLP/HTTP base URL, without `/v1/traces` */
  endpoint?: string | undefined;
  /** used instead of the OTLP exporter (tests: a SimpleSpanProcessor over an InMemorySpanExporter) */
  spanProcessors?: SpanProcessor[] | undefined;
}

export function createTracingCore({ endpoint, spanProcessors }: TracingCoreOptions): TracingCore {
  const processors = spanProcessors ?? [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }))];
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': SERVICE_NAME }),
    spanProcessors: processors,
    spanLimits: { attributeValueLengthLimit: MAX_ATTRIBUTE_LENGTH },
  });
  return {
    tracer: provider.getTracer(SERVICE_NAME),
    propagator: new W3CTraceContextPropagator(),
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
