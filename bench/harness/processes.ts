/**
 * Child processes of the bench: the servers under test (started from compiled JavaScript,
 * never through tsx or npx, which cost CPU and memory of their own and swallow signals) and
 * the upstream. CPU and memory are read from /proc, so they are the child's own figures.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';

/** A free loopback port (bound and released; good enough on a quiet loopback). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves once something accepts TCP connections on the port; rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ

/** CPU time (user + system) a process has used so far, in milliseconds. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Resident memory of a process right now, in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kb ?? 0) * 1024;
}

/** Samples a process's RSS every `everyMs` until stopped; `peak` is the highest seen. */
export function rssSampler(pid: number, everyMs = 100): { stop(): number } {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {
      // the process ended: keep the last peak
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      try {
        peak = Math.max(peak, rssBytes(pid));
      } catch {
        // ended
      }
      return peak;
    },
  };
}

export interface Target {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Stops a child: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * The Node flags `npm start` runs the server with (package.json's `start` script), so the bench
 * measures this server exactly as it is deployed from this repository.
 */
export function startFlags(packageJson: string): string[] {
  const scripts = (JSON.parse(readFileSync(packageJson, 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
  return (scripts['start'] ?? '').split(/\s+/).filter((word) => word.startsWith('--'));
}

/** Starts `node [flags] <entry>` with `env`, on a free port, and waits until it accepts connections. */
export async function startTarget(name: string, entry: string, env: Record<string, string>, flags: readonly string[] = []): Promise<Target> {
  const port = await freePort();
  const child = spawn(process.execPath, [...flags, entry], {
    env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'production', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening:\n${stderr}`))),
  );
  await Promise.race([waitForPort(port), exited]);
  exited.catch(() => undefined);
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
    stop: () => stopChild(child),
  };
}

export interface Upstream {
  readonly url: string;
  setLatency(ms: number): Promise<void>;
  reset(): Promise<void>;
  stats(): Promise<{ requests: number; maxInFlight: number; inFlight: number }>;
  close(): Promise<void>;
}

/** Forks the bench upstream (harness/upstreamProcess.js) and talks to it over IPC. */
export async function startUpstream(entry: string): Promise<Upstream> {
  const child = fork(entry, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let nextId = 1;
  const pending = new Map<number, (reply: Record<string, unknown>) => void>();
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the bench upstream exited (${code})`)));
    child.on('message', (message: Record<string, unknown>) => {
      if (typeof message['ready'] === 'string') resolve(message['ready']);
      const id = message['id'];
      if (typeof id === 'number') pending.get(id)?.(message);
    });
  });
  const ask = (command: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = nextId++;
      pending.set(id, (reply) => {
        pending.delete(id);
        resolve(reply);
      });
      child.send({ ...command, id });
    });
  return {
    url,
    setLatency: async (ms) => void (await ask({ op: 'latency', ms })),
    reset: async () => void (await ask({ op: 'reset' })),
    stats: async () => (await ask({ op: 'stats' })) as unknown as { requests: number; maxInFlight: number; inFlight: number },
    close: async () => {
      await Promise.race([ask({ op: 'close' }), new Promise((resolve) => setTimeout(resolve, 3000))]);
      await stopChild(child);
    },
  };
}
