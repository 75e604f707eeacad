/**
 * The compiled server (`node dist/src/main.js`) as a child process, for tests of what only
 * a real process shows: signals, exit codes, start-up messages. Waits are bounded loops.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ENTRY = join(ROOT, 'dist', 'src', 'main.js');
export const START_TIMEOUT_MS = 10_000;
/** The start-up banner's line with the URL; group 1 is the base URL. */
export const BANNER_URL = /\bon (http:\/\/127\.0\.0\.1:\d+)\/graphql\b/;

export interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly hasExited: boolean;
}

const children: ChildProcess[] = [];

/** process.env without any setting of this server (TALKSTACK_*, SHUTDOWN_*, PORT…), plus `extra`. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(TALKSTACK_|SHUTDOWN_|UPSTREAM_|MAX_|PORT$|HOST$|LOG_LEVEL$)/.test(name)) env[name] = value;
  }
  return { ...env, ...extra };
}

/** Spawns `node <args>` in the repository with a clean environment plus `env`. */
export function spawnNode(args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  let hasExited = false;
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      hasExited = true;
      resolve({ code, signal });
    });
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    get hasExited() {
      return hasExited;
    },
  };
}

/** Starts the compiled server on a free loopback port. */
export function startServer(env: Record<string, string>): Running {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build\` before this test.`);
  return spawnNode([ENTRY], { PORT: '0', HOST: '127.0.0.1', ...env });
}

/** Polls `check` every 20 ms until it returns a value, for at most `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = START_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The base URL from the start-up banner, once printed. */
export function waitForBanner(running: Running): Promise<string> {
  return waitFor('the start-up banner', () => {
    if (running.hasExited) throw new Error(`server exited.\nstdout:\n${running.stdout()}\nstderr:\n${running.stderr()}`);
    return BANNER_URL.exec(running.stdout())?.[1];
  });
}

/** Waits (bounded) for the process to exit. */
export async function waitForExit(running: Running, timeoutMs = START_TIMEOUT_MS) {
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    running.exited,
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (outcome === 'timeout') throw new Error(`process did not exit within ${timeoutMs} ms.\nstderr:\n${running.stderr()}`);
  return outcome;
}

/** Kills whatever a test left running. */
export function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
