/**
 * A real `redis-server` (Debian package) for tests: started on a free loopback port, no
 * persistence, killed and restarted on the same port when a test wants an outage.
 *
 * Without `redis-server` on the PATH, Redis suites are skipped and say so plainly (one line on
 * stderr naming the missing binary); under CI (`CI` set: `.ci/run` installs the package) they
 * fail instead, so a CI run can never pass without having run them.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export const REDIS_BINARY = 'redis-server';

function findRedis(): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${REDIS_BINARY}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export const redisBinary = findRedis();
const inCI = Boolean(process.env.CI);
/** true when Redis suites must be skipped (no binary, not in CI) */
export const skipRedis = redisBinary === undefined && !inCI;
export const REDIS_MISSING = `${REDIS_BINARY} is not installed (Debian: apt-get install redis-server)`;

if (skipRedis) {
  process.stderr.write(`\n[redis] Redis tests did NOT run: ${REDIS_MISSING}. .ci/run installs it; under CI they fail instead of skipping.\n\n`);
}

/** Throws under CI without redis-server (call it first in a Redis suite's beforeAll). */
export function requireRedis(): string {
  if (redisBinary === undefined) throw new Error(`${REDIS_MISSING}; CI is set, so this fails rather than skips`);
  return redisBinary;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** a plain client for assertions (KEYS, MONITOR-like checks); closed by stop() */
  client(): Redis;
  /** SIGKILL: an outage as a crash looks */
  kill(): Promise<void>;
  /** starts again on the same port, empty */
  restart(): Promise<void>;
  /** SIGSTOP: Redis hangs (connections stay open, nothing answers) until resume() */
  pause(): void;
  /** SIGCONT: a paused Redis answers again, queued commands included */
  resume(): void;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 5000;

export async function startRedis(): Promise<RedisServer> {
  const binary = requireRedis();
  const port = await freePort();
  let child: ChildProcess | undefined;
  const clients: Redis[] = [];

  const launch = async (): Promise<void> => {
    const started = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--loglevel', 'warning'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = started;
    let stderr = '';
    started.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (started.exitCode !== null) throw new Error(`redis-server exited at start: ${stderr.slice(0, 500)}`);
      const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
      probe.on('error', () => {});
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        return;
      } catch {
        probe.disconnect();
      }
      if (Date.now() > deadline) throw new Error(`redis-server did not answer within ${READY_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    client() {
      const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
      c.on('error', () => {});
      clients.push(c);
      return c;
    },
    kill,
    restart: launch,
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async stop() {
      for (const c of clients) c.disconnect();
      await kill();
    },
  };
}
