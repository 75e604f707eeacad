/**
 * Readiness (contract: `/readiness`): whether a load balancer should send this instance
 * traffic. It only moves forward — starting → ready → draining — so a stopping server can
 * never look ready again. Answered in the Node layer from this one field: nothing is
 * measured per request, and a probe costs no GraphQL pipeline.
 */
import type { ServerResponse } from 'node:http';

export const READINESS_PATH = '/readiness';

export type ReadinessStatus = 'starting' | 'ready' | 'draining';

/** The shared cache's state. A Redis outage is not a reason to take the instance out. */
export type RedisState = 'up' | 'down' | 'off';

export interface ReadinessReport {
  status: ReadinessStatus;
  redis: RedisState;
}

export class Readiness {
  #status: ReadinessStatus = 'starting';

  /** @param redis reports the shared cache's state at probe time; 'off' without one */
  constructor(private readonly redis: () => RedisState = () => 'off') {}

  get status(): ReadinessStatus {
    return this.#status;
  }

  /** True while the instance should get traffic. */
  get ready(): boolean {
    return this.#status === 'ready';
  }

  /** The server can serve. Ignored once draining: a stop is final. */
  markReady(): void {
    if (this.#status === 'starting') this.#status = 'ready';
  }

  /** The server has been told to stop. */
  markDraining(): void {
    this.#status = 'draining';
  }

  report(): ReadinessReport {
    return { status: this.#status, redis: this.redis() };
  }
}

/** True for `/readiness`, with or without a query string. */
export function isReadinessPath(url: string | undefined): boolean {
  return url === READINESS_PATH || (url !== undefined && url.startsWith(`${READINESS_PATH}?`));
}

/** 200 while ready, 503 otherwise, with the report as JSON. */
export function answerReadiness(res: ServerResponse, readiness: Readiness): void {
  const body = JSON.stringify(readiness.report());
  res
    .writeHead(readiness.ready ? 200 : 503, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      // A probe must see the state now, never a proxy's copy.
      'cache-control': 'no-store',
    })
    .end(body);
}
