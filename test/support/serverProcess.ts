/**
 * The compiled server (`node dist/src/main.js`) as a child process, for tests of what only
 * a real process shows: signals, exit codes, start-up messages. The bench library's child
 * processes (bench/lib/serverProcess.ts), with what tests add: all output kept, every child
 * remembered so `killAll` can end what a test left running. Waits are bounded.
 */
import { existsSync } from 'node:fs';
import {
  BANNER_URL,
  inheritedEnv,
  type NodeProcess,
  ROOT,
  SERVER_ENTRY,
  spawnNode as spawnChild,
  START_TIMEOUT_MS,
  waitFor,
  waitForUrl,
  within,
} from '../../bench/lib/serverProcess.js';

export { BANNER_URL, ROOT, START_TIMEOUT_MS, waitFor };
export const ENTRY = SERVER_ENTRY;
export type Running = NodeProcess;

const children: Running[] = [];

/** Spawns `node <args>` in the repository (or `cwd`) with this environment minus the server's settings, plus `env`. */
export function spawnNode(args: string[], env: Record<string, string>, { cwd = ROOT }: { cwd?: string } = {}): Running {
  const running = spawnChild(args, inheritedEnv(env), { keepChars: Infinity, cwd });
  children.push(running);
  return running;
}

/** Starts the compiled server on a free loopback port (without waiting for it: see `waitForBanner`). */
export function startServer(env: Record<string, string>): Running {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build\` before this test.`);
  return spawnNode([ENTRY], { PORT: '0', HOST: '127.0.0.1', ...env });
}

/** The base URL from the start-up banner, once printed. */
export function waitForBanner(running: Running): Promise<string> {
  return waitForUrl(running, BANNER_URL, START_TIMEOUT_MS);
}

/** Waits (bounded) for the process to exit; how it exited. */
export async function waitForExit(running: Running, timeoutMs = START_TIMEOUT_MS): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const outcome = await within(running.exited, timeoutMs);
  if (outcome === 'timeout') throw new Error(`process did not exit within ${timeoutMs} ms.\nstderr:\n${running.stderr()}`);
  return { code: outcome.code, signal: outcome.signal };
}

/** Kills whatever a test left running. */
export function killAll(): void {
  for (const { child } of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
