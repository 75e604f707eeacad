/**
 * The Node layer's routing: what every HTTP request meets before (or instead of) Yoga, in order.
 * Each step answers and stops, or passes the request on:
 *
 *   request head     absolute-form targets, Host, duplicated credentials (requestHead.ts)
 *   allowed hosts    ALLOWED_HOSTS: 421 for another Host, the probes' paths aside (allowedHosts.ts)
 *   /readiness       starting → ready → draining (lifecycle/readiness.ts)
 *   /metrics         Prometheus text, with METRICS on (metrics/serverMetrics.ts)
 *   CORS             exact origins, preflights (cors.ts)
 *   body size        MAX_BODY_BYTES from Content-Length, and URL length (requestLimits.ts)
 *   GraphiQL assets  self-hosted scripts, styles and icon (graphiql/graphiqlAssets.ts)
 *   /graphql         the fast path for settled answers (settledAnswers.ts), else Yoga
 *   anything else    Yoga (/health, its 404s)
 *
 * A body of unknown length (chunked) is read here up to MAX_BODY_BYTES before Yoga sees it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/config.js';
import { serveGraphiQLAsset } from '../graphiql/graphiqlAssets.js';
import { GRAPHQL_PATH, HEALTH_PATH } from '../graphql/yoga.js';
import { answerReadiness, isReadinessPath, type Readiness } from '../lifecycle/readiness.js';
import type { ServerMetrics } from '../metrics/serverMetrics.js';
import { isMetricsPath } from '../metrics/serverMetrics.js';
import { corsHandler } from './cors.js';
import type { RequestListener } from './lastResort.js';
import { hostCheck, MISDIRECTED } from './allowedHosts.js';
import { answerError } from './errorAnswer.js';
import { checkRequestHead } from './requestHead.js';
import { hasUndeclaredBody, readLimitedBody, refuseOversized } from './requestLimits.js';
import type { SettledAnswers } from './settledAnswers.js';

export interface RouterParts {
  config: Pick<Config, 'maxBodyBytes' | 'corsOrigins' | 'allowedHosts'>;
  readiness: Readiness;
  /** undefined with METRICS off: /metrics is then Yoga's 404 */
  metrics: ServerMetrics | undefined;
  /** whether GraphiQL (and so its assets) is served */
  graphiql: boolean;
  settledAnswers: SettledAnswers;
  /** Yoga's Node handler */
  graphql: (req: IncomingMessage, res: ServerResponse) => unknown;
}

const isHealthPath = (url: string | undefined) => url === HEALTH_PATH || (url !== undefined && url.startsWith(`${HEALTH_PATH}?`));

const isGraphQLPath = (url: string | undefined) => url === GRAPHQL_PATH || (url !== undefined && url.startsWith(`${GRAPHQL_PATH}?`));

export function createRouter({ config, readiness, metrics, graphiql, settledAnswers, graphql }: RouterParts): RequestListener {
  const answerCors = corsHandler(config);
  const toYoga = (req: IncomingMessage, res: ServerResponse): void => void graphql(req, res);
  const hostAllowed = hostCheck(config.allowedHosts);
  return (req, res) => {
    if (!checkRequestHead(req, res)) return;
    if (isReadinessPath(req.url)) return answerReadiness(res, readiness);
    if (metrics && isMetricsPath(req.url)) return metrics.answer(req, res);
    if (hostAllowed && !hostAllowed(req) && !isHealthPath(req.url)) return answerError(res, 421, 'BAD_REQUEST', MISDIRECTED);
    if (answerCors(req, res)) return;
    if (refuseOversized(req, res, config.maxBodyBytes)) return;
    if (graphiql && serveGraphiQLAsset(req, res)) return;
    if (hasUndeclaredBody(req)) {
      void readLimitedBody(req, res, config.maxBodyBytes).then((ok) => {
        if (ok) toYoga(req, res);
      });
      return;
    }
    if (isGraphQLPath(req.url)) settledAnswers.handle(req, res, toYoga);
    else toYoga(req, res);
  };
}
