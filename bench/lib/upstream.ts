/**
 * The stand-in upstream of the bench: the Talkstack simulator in a process of its own (so its
 * CPU is never counted as a server's or the load generator's), forked from the compiled
 * upstreamProcess.js and driven over IPC: latency, counters, reset. Upstream requests per
 * operation and the peak in flight come from its counters, so they are exact.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { OutageMode, RateLimitOptions } from '../../src/simulator/index.js';
import { DIST, watchChild } from './serverProcess.js';

/** The project whose every sid the bench upstream answers with a synthetic call. */
export const BENCH_PROJECT = 'bench-project';

/** The credential of every workload but fairness (the simulator's demo account). */
export const BENCH_KEY = 'demo-key';

/** Fairness: a heavy tenant paging 500 calls, a light one asking for single calls. */
export const TENANT_KEYS = { heavy: 'bench-heavy-key', light: 'bench-light-key' } as const;

const ENTRY = join(DIST, 'bench', 'lib', 'upstreamProcess.js');
/** A command the upstream has not answered by then is lost: its process is stuck or gone. */
const ANSWER_TIMEOUT_MS = 10_000;
/** Then it is stopped with a signal. */
const CLOSE_TIMEOUT_MS = 3000;
const IDLE_TIMEOUT_MS = 15_000;

export interface UpstreamStats {
  requests: number;
  maxInFlight: number;
  inFlight: number;
  /** 429s sent by the simulator's rate limit */
  rateLimited: number;
}

/** The simulator's switches (src/simulator: setRateLimit, setOutage, setHang); what is absent stays as it is. */
export interface Misbehaviour {
  rateLimit?: RateLimitOptions | null;
  outage?: OutageMode;
  hang?: boolean;
}

export interface Upstream {
  readonly url: string;
  setLatency(ms: number): Promise<void>;
  misbehave(misbehaviour: Misbehaviour): Promise<void>;
  /** Zeroes the counters. */
  reset(): Promise<void>;
  stats(): Promise<UpstreamStats>;
  /**
   * Resolves once nothing is in flight and no request came for `quietMs` (the work of the last
   * operations finishing, requests a server still had queued included), or after 15 s.
   */
  idle(quietMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startUpstream(): Promise<Upstream> {
  const child = fork(ENTRY, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const node = watchChild(child);
  let nextId = 1;
  const pending = new Map<number, (reply: Record<string, unknown>) => void>();
  const url = await new Promise<string>((resolve, reject) => {
    void node.exited.then((exit) => reject(new Error(`the bench upstream exited (code ${String(exit.code)}) ${node.stderr()}`)));
    child.on('message', (message: Record<string, unknown>) => {
      if (typeof message['ready'] === 'string') resolve(message['ready']);
      const id = message['id'];
      if (typeof id === 'number') pending.get(id)?.(message);
    });
  });
  const ask = (command: Record<string, unknown>, timeoutMs = ANSWER_TIMEOUT_MS) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`the bench upstream did not answer ${JSON.stringify(command)} within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, (reply) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(reply);
      });
      child.send({ ...command, id });
    });
  const stats = async () => (await ask({ op: 'stats' })) as unknown as UpstreamStats;
  return {
    url,
    setLatency: async (ms) => void (await ask({ op: 'latency', ms })),
    misbehave: async (misbehaviour) => void (await ask({ op: 'misbehave', ...misbehaviour })),
    reset: async () => void (await ask({ op: 'reset' })),
    stats,
    async idle(quietMs = 500) {
      const deadline = Date.now() + IDLE_TIMEOUT_MS;
      let last = -1;
      let quietSince = Date.now();
      while (Date.now() < deadline) {
        const now = await stats();
        if (now.inFlight > 0 || now.requests !== last) quietSince = Date.now();
        last = now.requests;
        if (Date.now() - quietSince >= quietMs) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: async () => {
      if (!node.hasExited) await ask({ op: 'close' }, CLOSE_TIMEOUT_MS).catch(() => undefined);
      await node.stop();
    },
  };
}
