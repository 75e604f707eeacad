/**
 * The metrics of one server instance (contract: `/metrics`), in a prom-client `Registry` of
 * its own, so several servers in one process (tests) never share or collide; the process's
 * default metrics come from one registry per process (processMetrics.ts) and are served
 * beside them.
 *
 * Contract:
 * - `/metrics` is answered in the Node layer (like /readiness: no GraphQL pipeline) with the
 *   Prometheus text format; built only with METRICS on (off: the path is unknown, 404);
 * - on the request path only plain integers move: upstream tries (`upstream`), loader batch
 *   sizes (`observeBatch`), operations (the Yoga `plugin`). Everything else is read from its
 *   owner at scrape time (metricSources.ts);
 * - no label value comes from a request: outcomes, statuses, layers, transports and operation
 *   types are closed sets, so no credential, digest, sid, projectId or query can reach one.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { Registry } from 'prom-client';
import { GraphQLMetrics } from './graphqlMetrics.js';
import { registerSourceMetrics, type ServerStats } from './metricSources.js';
import { PlainHistogram } from './plainHistogram.js';
import { processMetricsRegistry } from './processMetrics.js';
import { UpstreamMetrics } from './upstreamMetrics.js';

export const METRICS_PATH = '/metrics';

/** Distinct calls per batch: one call, a page of 10–100, up to MAX_CALLS_PER_REQUEST. */
export const BATCH_SIZE_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

export interface ServerMetrics {
  /** this server's own metrics (the process's default metrics are in another registry) */
  readonly registry: Registry;
  /** the client's recorder of upstream tries */
  readonly upstream: UpstreamMetrics;
  /** a loader batch of `size` distinct calls was dispatched */
  readonly observeBatch: (size: number) => void;
  /** the Yoga plugin counting operations */
  readonly plugin: Plugin;
  /** the Prometheus text of this server and its process */
  text(): Promise<string>;
  /** answers a request for /metrics */
  answer(req: IncomingMessage, res: ServerResponse): void;
}

/** True for `/metrics`, with or without a query string. */
export function isMetricsPath(url: string | undefined): boolean {
  return url === METRICS_PATH || (url !== undefined && url.startsWith(`${METRICS_PATH}?`));
}

/** @param stats the server's stats, read at each scrape (so it may name objects built later) */
export function createServerMetrics(stats: () => ServerStats): ServerMetrics {
  const registry = new Registry();
  const upstream = new UpstreamMetrics(registry);
  const batches = new PlainHistogram(
    'talkstack_loader_batch_size',
    'Distinct calls per loader batch (the calls one operation asks for in one tick).',
    BATCH_SIZE_BUCKETS,
  ).registerIn(registry);
  const graphql = new GraphQLMetrics(registry);
  registerSourceMetrics(registry, stats);
  const processRegistry = processMetricsRegistry();

  const text = async () => {
    const [own, process] = await Promise.all([registry.metrics(), processRegistry.metrics()]);
    return `${own}\n${process}`;
  };

  return {
    registry,
    upstream,
    observeBatch: (size) => batches.observe(size),
    plugin: graphql.plugin(),
    text,
    answer(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-length': 0 }).end();
        return;
      }
      text().then(
        (body) => {
          res
            .writeHead(200, {
              'content-type': Registry.PROMETHEUS_CONTENT_TYPE,
              'content-length': Buffer.byteLength(body),
              'cache-control': 'no-store',
            })
            .end(req.method === 'HEAD' ? undefined : body);
        },
        () => {
          if (!res.headersSent) res.writeHead(500, { 'content-length': 0 });
          res.end();
        },
      );
    },
  };
}
