/**
 * The GraphQL server under test, as a separate process running the compiled entry: its RSS
 * is then its own (not mixed with the load generator's), and a crash is an exit, not a
 * thrown error in the soak.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_SERVER_ENTRY = join(ROOT, 'dist', 'src', 'main.js');

/** Non-demo banner: `Talkstack calls GraphQL API on http://127.0.0.1:1234/graphql …`. */
const BANNER_URL = /\bon (http:\/\/127\.0\.0\.1:\d+)\/graphql\b/;
/** Kept of each stream: enough to explain a crash, bounded however much the server logs. */
const TAIL_CHARS = 8000;
const TERM_GRACE_MS = 5000;
const KILL_GRACE_MS = 2000;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ms since the server was spawned */
  afterMs: number;
}

export interface StopOutcome {
  /** clean: exited on SIGTERM with code 0; forced: needed SIGKILL; already-exited: it was gone before stop */
  shutdown: 'clean' | 'unclean' | 'forced' | 'already-exited' | 'unkillable';
  exit: ExitInfo | undefined;
}

export interface ServerProcess {
  readonly pid: number;
  /** base URL, e.g. http://127.0.0.1:1234 */
  readonly url: string;
  /** Set once the process exits; an exit before `stop()` is a crash. */
  readonly exit: ExitInfo | undefined;
  readonly exited: Promise<ExitInfo>;
  stdoutTail(): string;
  stderrTail(): string;
  /** SIGTERM, then SIGKILL after a bound; idempotent. */
  stop(): Promise<StopOutcome>;
}

export interface ServerSettings {
  entry?: string | undefined;
  upstreamUrl: string;
  apiKey: string;
  projectId: string;
  upstreamTimeoutMs: number;
  upstreamRetries: number;
  startTimeoutMs: number;
}

/** process.env minus whatever could point the server elsewhere, plus the soak's settings. */
function serverEnv(settings: ServerSettings): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('TALKSTACK_') || name === 'PORT' || name === 'HOST') continue;
    env[name] = value;
  }
  return {
    ...env,
    PORT: '0',
    HOST: '127.0.0.1',
    TALKSTACK_API_URL: settings.upstreamUrl,
    TALKSTACK_API_KEY: settings.apiKey,
    TALKSTACK_PROJECT_ID: settings.projectId,
    TALKSTACK_DEMO: '0',
    UPSTREAM_TIMEOUT_MS: String(settings.upstreamTimeoutMs),
    UPSTREAM_RETRIES: String(settings.upstreamRetries),
  };
}

function appendTail(tail: string, chunk: string): string {
  const joined = tail + chunk;
  return joined.length > TAIL_CHARS ? joined.slice(joined.length - TAIL_CHARS) : joined;
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export async function startServer(settings: ServerSettings): Promise<ServerProcess> {
  const entry = settings.entry ?? DEFAULT_SERVER_ENTRY;
  if (!existsSync(entry)) {
    throw new Error(`${entry} is missing: run \`npm run build\` first (\`npm run soak\` does).`);
  }
  const startedAt = Date.now();
  let stdout = '';
  let stderr = '';
  const child: ChildProcess = spawn(process.execPath, [entry], {
    cwd: ROOT,
    env: serverEnv(settings),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) {
    // spawn reports its own failure asynchronously; wait for it to say why.
    const error = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new Error(`could not start the server: ${error.message}`);
  }
  const pid = child.pid;
  // An 'error' without a listener would throw in the soak itself; keep it with the output instead.
  child.on('error', (error) => (stderr = appendTail(stderr, `\n[soak] child process error: ${error.message}\n`)));

  // Both pipes must be drained for the whole run, or a chatty server blocks on write.
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout = appendTail(stdout, chunk)));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = appendTail(stderr, chunk)));

  let exit: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal, afterMs: Date.now() - startedAt };
      resolve(exit);
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

  const deadline = startedAt + settings.startTimeoutMs;
  let url: string | undefined;
  while (!(url = BANNER_URL.exec(stdout)?.[1])) {
    if (exit || Date.now() > deadline) {
      const why = exit ? `it exited (code ${String(exit.code)}, signal ${String(exit.signal)})` : `no banner within ${settings.startTimeoutMs} ms`;
      await stop();
      throw new Error(`the server did not start: ${why}.\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  return {
    pid,
    url,
    get exit() {
      return exit;
    },
    exited,
    stdoutTail: () => stdout,
    stderrTail: () => stderr,
    stop,
  };
}
