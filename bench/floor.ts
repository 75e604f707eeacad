/**
 * The upstream floor of a workload: the same upstream calls made straight from this process
 * through one undici pool of `slots` connections, no HTTP server and no GraphQL in between.
 * `connections` loops each make one operation's `calls` distinct calls at once and wait for
 * all of them. What no server could beat on this machine with this upstream: the "ideal mean"
 * assumes the upstream answers a burst of 64 at once, while a real one (here the simulator,
 * one process) writes them one after another.
 */
import { Pool } from 'undici';
import { runWorkers } from './lib/workerLoop.js';
import { BENCH_KEY, BENCH_PROJECT } from './lib/upstream.js';

export interface FloorResult {
  ops: number;
  meanMs: number;
}

export async function measureFloor(upstreamUrl: string, slots: number, calls: number, connections: number, seconds: number): Promise<FloorResult> {
  const pool = new Pool(upstreamUrl, { connections: slots });
  const headers = { 'content-type': 'application/json', 'x-api-key': BENCH_KEY };
  const call = async (sid: string) => {
    const response = await pool.request({ path: '/call', method: 'POST', headers, body: JSON.stringify({ sid, projectId: BENCH_PROJECT }) });
    await response.body.json();
  };
  let totalMs = 0;
  try {
    const ops = await runWorkers({
      workers: connections,
      seconds,
      // One operation per connection and millisecond: never reached, but finite.
      maxOperations: Math.ceil(seconds * 1000) * connections,
      operation: async (op) => {
        const started = performance.now();
        await Promise.all(Array.from({ length: calls }, (_, i) => call(`CAfloor${op}x${i}`)));
        totalMs += performance.now() - started;
      },
    });
    return { ops, meanMs: totalMs / ops };
  } finally {
    await pool.close();
  }
}
