/**
 * Closed-loop load: workers each running one operation at a time until a count, a time or a
 * stop signal says enough, whichever comes first. For loads autocannon (load.ts) cannot
 * express: the soak's per-request credentials and checks, the upstream floor's fan-out, the
 * upstream client alone.
 */

export interface WorkerLoop {
  workers: number;
  /** no operation starts once this many have… */
  maxOperations: number;
  /** …or once this long has passed… */
  seconds: number;
  /** …or once this is aborted (e.g. the server died) */
  stop?: AbortSignal;
  /** the n-th operation (n counts from 0 across workers); a rejection ends the loop with it */
  operation(n: number): Promise<void>;
}

/** Runs the loop; resolves with the number of operations run, once the last one has finished. */
export async function runWorkers(loop: WorkerLoop): Promise<number> {
  const deadline = performance.now() + loop.seconds * 1000;
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < loop.maxOperations && performance.now() < deadline && !loop.stop?.aborted) await loop.operation(started++);
  };
  await Promise.all(Array.from({ length: loop.workers }, worker));
  return started;
}
