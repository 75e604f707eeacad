/**
 * Node child processes of the bench, the soak and the tests: a compiled server or baseline
 * started on port 0 of loopback, known to be up once it prints the URL it listens on, and
 * stopped with SIGTERM, then SIGKILL past a bound. Servers run from compiled JavaScript, not
 * through tsx or npx, which cost CPU and memory of their own and swallow signals (`spawnNode`
 * runs whatever a test asks for).
 *
 * A child's output is drained for its whole life (a child whose pipe nobody reads blocks on
 * write) and kept as a tail of bounded length. Every wait is bounded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SETTINGS } from '../../src/config/settings.js';

/** The nearest directory with a package.json: the same from source (bench/lib) and compiled (dist/bench/lib). */
function repositoryRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const ROOT = repositoryRoot(dirname(fileURLToPath(import.meta.url)));
/** What `npm run build` compiles: this server, the bench and its baselines. */
export const DIST = join(ROOT, 'dist');
/** This server's compiled entry. */
export const SERVER_ENTRY = join(DIST, 'src', 'main.js');

export const START_TIMEOUT_MS = 10_000;
/** Kept of each output stream unless told otherwise: enough to explain a crash. */
const TAIL_CHARS = 8000;
const TERM_GRACE_MS = 5000;
const KILL_GRACE_MS = 2000;

/** This server's start-up banner, `… on http://127.0.0.1:1234/graphql …`; group 1 is the base URL. */
export const BANNER_URL = /\bon (http:\/\/127\.0\.0\.1:\d+)\/graphql\b/;
/**
 * The banner, or a baseline's whole `listening on http://127.0.0.1:1234` line: what the end
 * looks like tells a complete port from one still arriving.
 */
export const LISTENING_URL = /\bon (http:\/\/127\.0\.0\.1:\d+)(?:\/graphql\b|\r?\n)/;

/** Variables this server reads as settings: a child gets only the ones it is given. */
const SERVER_VARIABLES = new Set<string>(Object.values(SETTINGS).map((setting) => setting.variable));
const SERVER_PREFIX = /^(TALKSTACK_|SHUTDOWN_|UPSTREAM_|MAX_|OTEL_)/;

/** This process's environment without any setting of this server, plus `extra`. */
export function inheritedEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!SERVER_VARIABLES.has(name) && !SERVER_PREFIX.test(name)) env[name] = value;
  return { ...env, ...extra };
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ms since the process was started */
  afterMs: number;
}

export interface StopOutcome {
  /** clean: exited on SIGTERM with code 0; forced: needed SIGKILL; already-exited: it was gone before stop */
  shutdown: 'clean' | 'unclean' | 'forced' | 'already-exited' | 'unkillable';
  exit: ExitInfo | undefined;
}

export interface NodeProcess {
  readonly child: ChildProcess;
  /** undefined only when the process could not be started (the reason is in `stderr()`) */
  readonly pid: number | undefined;
  stdout(): string;
  stderr(): string;
  /** Set once the process exits. */
  readonly exit: ExitInfo | undefined;
  readonly hasExited: boolean;
  readonly exited: Promise<ExitInfo>;
  /** SIGTERM, then SIGKILL after a bound; idempotent. */
  stop(): Promise<StopOutcome>;
}

export interface ServerProcess extends NodeProcess {
  readonly pid: number;
  /** base URL, e.g. http://127.0.0.1:1234 */
  readonly url: string;
}

/** `promise`, or 'timeout' once `ms` have passed. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Follows a child already started (spawned or forked): its output tails, its exit, its stop. */
export function watchChild(child: ChildProcess, keepChars = TAIL_CHARS): NodeProcess {
  const startedAt = Date.now();
  const tail = (text: string, chunk: string) => {
    const joined = text + chunk;
    return joined.length > keepChars ? joined.slice(joined.length - keepChars) : joined;
  };
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout = tail(stdout, chunk)));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = tail(stderr, chunk)));

  let exit: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    const settle = (code: number | null, signal: NodeJS.Signals | null) => {
      exit ??= { code, signal, afterMs: Date.now() - startedAt };
      resolve(exit);
    };
    child.once('exit', settle);
    // An 'error' without a listener would throw in the parent; keep it with the output. A
    // child that could not be started at all reports only this, never 'exit'.
    child.on('error', (error) => {
      stderr = tail(stderr, `\n[child process error] ${error.message}\n`);
      if (child.pid === undefined) settle(null, null);
    });
  });

  let stopping: Promise<StopOutcome> | undefined;
  const stop = (): Promise<StopOutcome> => {
    stopping ??= (async (): Promise<StopOutcome> => {
      if (exit) return { shutdown: 'already-exited', exit };
      child.kill('SIGTERM');
      const termed = await within(exited, TERM_GRACE_MS);
      if (termed !== 'timeout') {
        return { shutdown: termed.code === 0 && termed.signal === null ? 'clean' : 'unclean', exit: termed };
      }
      child.kill('SIGKILL');
      const killed = await within(exited, KILL_GRACE_MS);
      return killed === 'timeout' ? { shutdown: 'unkillable', exit: undefined } : { shutdown: 'forced', exit: killed };
    })();
    return stopping;
  };

  return {
    child,
    get pid() {
      return child.pid;
    },
    stdout: () => stdout,
    stderr: () => stderr,
    get exit() {
      return exit;
    },
    get hasExited() {
      return exit !== undefined;
    },
    exited,
    stop,
  };
}

/** `node <args>` in the repository (or `cwd`) with exactly `env`; `keepChars: Infinity` keeps all output. */
export function spawnNode(args: readonly string[], env: NodeJS.ProcessEnv, { keepChars = TAIL_CHARS, cwd = ROOT } = {}): NodeProcess {
  return watchChild(spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] }), keepChars);
}

/** Polls `check` every 20 ms until it returns a value, for at most `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = START_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${timeoutMs} ms)`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The base URL a child prints (group 1 of `pattern`); throws if it exits or stays silent first. */
export function waitForUrl(node: NodeProcess, pattern: RegExp = LISTENING_URL, timeoutMs = START_TIMEOUT_MS): Promise<string> {
  return waitFor(
    'the line saying where it listens',
    () => {
      if (node.exit) {
        const { code, signal } = node.exit;
        throw new Error(`it exited (code ${String(code)}, signal ${String(signal)}).\nstdout:\n${node.stdout()}\nstderr:\n${node.stderr()}`);
      }
      return pattern.exec(node.stdout())?.[1];
    },
    timeoutMs,
  );
}

export interface ServerStart {
  /** in messages */
  name: string;
  /** compiled JavaScript */
  entry: string;
  /** the child's whole environment; PORT and HOST are set here */
  env: NodeJS.ProcessEnv;
  /** Node's own flags, before the entry */
  flags?: readonly string[];
  startTimeoutMs?: number;
}

/** Starts `node [flags] <entry>` on a free loopback port and resolves once it listens. */
export async function startServerProcess({ name, entry, env, flags = [], startTimeoutMs = START_TIMEOUT_MS }: ServerStart): Promise<ServerProcess> {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first.`);
  const node = spawnNode([...flags, entry], { ...env, PORT: '0', HOST: '127.0.0.1' });
  let url: string;
  try {
    url = await waitForUrl(node, LISTENING_URL, startTimeoutMs);
  } catch (error) {
    await node.stop();
    throw new Error(`${name} did not start: ${error instanceof Error ? error.message : String(error)}`);
  }
  // It printed a line, so it was started: its pid is known.
  return Object.assign(node, { url }) as ServerProcess;
}
