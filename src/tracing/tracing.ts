/**
 * Tracing (contract: "Tracing"): on when OTEL_EXPORTER_OTLP_ENDPOINT is set (or a test gives
 * span processors), else `createTracing` returns undefined and nothing of it exists: no
 * plugin, no tracer in the client, no trace on any loader, the SDK not even loaded.
 *
 * The spans: `graphql.operation` (operationTracing.ts) → `talkstack.batch` (operationTrace.ts)
 * → `talkstack.call`, one per upstream try, which also sends a `traceparent` upstream
 * (callTracing.ts). The SDK is loaded in the background (tracingCore.ts); `ready` settles when
 * it is, and the server waits for it before it listens, so every request it serves is traced.
 */
import type { Plugin } from 'graphql-yoga';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TryTracer } from '../talkstack/client.js';
import { createTryTracer } from './callTracing.js';
import type { CallParents } from './operationTrace.js';
import { useOperationTracing } from './operationTracing.js';
import type { TracingCore } from './tracingCore.js';

/** How long closing the server waits for the last spans to be exported. */
export const SHUTDOWN_EXPORT_MS = 2000;

export interface TracingOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: OTLP/HTTP base URL; spans are posted to `<endpoint>/v1/traces` */
  endpoint?: string | undefined;
  /** span processors to use instead of the OTLP exporter (tests); tracing is on with them */
  spanProcessors?: SpanProcessor[] | undefined;
}

export interface Tracing {
  /** the Yoga plugin making operation spans; goes first in the plugin list */
  readonly plugin: Plugin;
  /** the client's tracer of upstream tries */
  readonly tries: TryTracer;
  /** settles once the SDK is loaded; operations are traced from then on */
  readonly ready: Promise<void>;
  /** exports every span ended so far */
  forceFlush(): Promise<void>;
  /** exports what is left (waiting at most SHUTDOWN_EXPORT_MS) and stops */
  shutdown(): Promise<void>;
}

export function createTracing({ endpoint, spanProcessors }: TracingOptions): Tracing | undefined {
  if (!endpoint && !spanProcessors) return undefined;
  let core: TracingCore | undefined;
  const loaded = () => core;
  const parents: CallParents = new WeakMap();
  const ready = import('./tracingCore.js').then(({ createTracingCore }) => {
    core = createTracingCore({ endpoint, spanProcessors });
  });
  return {
    plugin: useOperationTracing(loaded, parents),
    tries: createTryTracer(loaded, parents),
    ready,
    async forceFlush() {
      await ready;
      await core?.forceFlush();
    },
    async shutdown() {
      await ready.catch(() => undefined);
      if (!core) return;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, SHUTDOWN_EXPORT_MS);
        timer.unref();
      });
      await Promise.race([core.shutdown().catch(() => undefined), late]);
      clearTimeout(timer);
    },
  };
}
