/**
 * The soak's load: `concurrency` workers, each sending one request of the mix at a time until
 * the time is up, the request budget is spent or a stop signal (the server died) comes,
 * whichever is first; every answer checked against what the contract says for it.
 */
import { runWorkers } from '../lib/workerLoop.js';
import type { LoadMetrics } from './metrics.js';
import type { GraphQLBody, OperationPlanner, PlannedRequest } from './operations.js';

export interface LoadSettings {
  /** base URL of the GraphQL server */
  url: string;
  concurrency: number;
  /** no request starts after this long */
  seconds: number;
  maxRequests: number;
  requestTimeoutMs: number;
  planner: OperationPlanner;
  metrics: LoadMetrics;
  stop: AbortSignal;
}

/** A short, stable name for why a request got no answer, to count failures by. */
function failureReason(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown';
  if (error.name === 'TimeoutError') return 'timeout';
  // undici wraps the socket error: "fetch failed" with the errno in `cause`.
  const cause = (error as { cause?: { code?: unknown; name?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.name === 'string') return cause.name;
  return error.name;
}

function parseBody(text: string): GraphQLBody | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as GraphQLBody) : undefined;
  } catch {
    return undefined;
  }
}

function errorCodes(body: GraphQLBody | undefined): string[] {
  const errors = body?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.map((e) => {
    const code = e?.extensions?.code;
    return typeof code === 'string' ? code : '(none)';
  });
}

async function send(endpoint: string, plan: PlannedRequest, settings: LoadSettings): Promise<void> {
  const { metrics } = settings;
  const started = performance.now();
  let status: number;
  let text: string;
  try {
    // Global fetch keeps connections alive; the timeout covers reading the body too.
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: plan.headers,
      body: plan.body,
      signal: AbortSignal.timeout(settings.requestTimeoutMs),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    metrics.recordFailure(plan.kind, failureReason(error), error instanceof Error ? error.message : String(error));
    return;
  }
  const latencyMs = performance.now() - started;
  const body = parseBody(text);
  metrics.recordAnswer(plan.kind, status, latencyMs, errorCodes(body), body !== undefined);
  const { problem, loadTimeouts } = plan.check(status, body);
  metrics.loadTimeouts += loadTimeouts;
  if (problem !== undefined) metrics.recordWrongAnswer(plan.kind, problem);
}

export async function runSoakLoad(settings: LoadSettings): Promise<void> {
  const endpoint = `${settings.url}/graphql`;
  await runWorkers({
    workers: settings.concurrency,
    maxOperations: settings.maxRequests,
    seconds: settings.seconds,
    stop: settings.stop,
    operation: () => send(endpoint, settings.planner.next(), settings),
  });
}
