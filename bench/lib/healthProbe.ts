/**
 * A server's `/health` latency while something else runs, measured from a process of its own
 * (healthProbeProcess.ts): `slowestMs()` gives the slowest answer since the last ask.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { DIST } from './serverProcess.js';

const ENTRY = join(DIST, 'bench', 'lib', 'healthProbeProcess.js');

export interface HealthProbe {
  /** the slowest `/health` since the last call (or the start) */
  slowestMs(): Promise<number>;
  stop(): void;
}

export function startHealthProbe(baseUrl: string): HealthProbe {
  const child = fork(ENTRY, [baseUrl], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return {
    slowestMs: () =>
      new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the /health prober did not answer within 35 s')), 35_000);
        child.once('message', (message: { slowestMs: number }) => {
          clearTimeout(timer);
          resolve(message.slowestMs);
        });
        child.send({});
      }),
    stop: () => void child.kill(),
  };
}
