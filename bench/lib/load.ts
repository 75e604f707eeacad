/**
 * The bench's load: autocannon on loopback, a fixed number of connections for a fixed time or
 * a fixed number of operations, each request's body made by the workload (fresh sids where it
 * asks for them). Its figures (rps, percentiles) are what the bench reports; autocannon costs
 * the shared CPU little. Bounded by construction: autocannon stops after `seconds` or
 * `operations`, and every request has a 30 s timeout. (Loads autocannon cannot express run
 * in workerLoop.ts.)
 */
import autocannon from 'autocannon';

/**
 * autocannon ends a run, and times it, on its sampling tick: at its default of 1 s a run of a
 * fixed count that takes 1.2 s lasts, and is timed, 2 s (rps 40 % low) and no run is shorter
 * than a second. Every 100 ms the tail is at most that.
 */
const SAMPLE_MS = 100;

export interface LoadOptions {
  url: string;
  connections: number;
  /** run for this long… */
  seconds?: number;
  /** …or until this many operations have completed (then `seconds` is ignored) */
  operations?: number;
  headers: Record<string, string>;
  /** the JSON body of the n-th request (n counts from 0 across connections) */
  body: (n: number) => string;
  /** looks at every `checkEvery`-th response; a returned string is a wrong answer */
  check?: (status: number, body: string) => string | undefined;
  /** the `n` of the first body; runs that must not repeat each other's bodies start apart */
  firstOperation?: number;
  checkEvery?: number;
}

export interface LoadResult {
  ops: number;
  rps: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** first wrong answers seen by `check` */
  wrong: string[];
  /** the `n` after the last body built (requests cut off at the end included) */
  nextOperation: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let n = options.firstOperation ?? 0;
  let seen = 0;
  const wrong: string[] = [];
  const checkEvery = options.checkEvery ?? 50;
  const result = await autocannon({
    url: `${options.url}/graphql`,
    connections: options.connections,
    ...(options.operations ? { amount: options.operations } : { duration: options.seconds ?? 5 }),
    timeout: 30,
    sampleInt: SAMPLE_MS,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...options.headers },
    requests: [
      {
        setupRequest: (request) => ({ ...request, body: options.body(n++) }),
        ...(options.check
          ? {
              onResponse: (status: number, body: string) => {
                if (seen++ % checkEvery !== 0 || wrong.length >= 3) return;
                const problem = options.check?.(status, body);
                if (problem) wrong.push(problem);
              },
            }
          : {}),
      },
    ],
  });
  const ops = result.requests.total;
  return {
    ops,
    rps: ops / result.duration,
    meanMs: result.latency.mean,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    wrong,
    nextOperation: n,
  };
}
