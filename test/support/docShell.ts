/**
 * The shell blocks of a docs page as commands a test starts itself: each command of a ```sh
 * block (continuation lines joined, comments dropped) split into its environment prefix, its
 * words and a `> file` redirection, and `npm start`, `npm run NAME -- ARGS` and `npx BIN ARGS`
 * resolved to what npm would run: the package.json script, with the programs of
 * node_modules/.bin, in the repository (npm's INIT_CWD the directory the page says to be in).
 * Started that way, without npm in between, each program is the test's own child: its output
 * is read and SIGTERM reaches it. `tsx FILE` runs as `node --import tsx FILE`, what the tsx
 * command does but in one process: tsx's command runs the program in a second process, which
 * a SIGKILL of the first would leave running.
 *
 * What a test changes, and nothing else: the ports the pages name (`localhost:4000`, …)
 * become the free loopback ports the processes really got (PORT=0 and HOST=127.0.0.1 unless
 * the test says otherwise).
 */
import { readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { shellWords } from './readmeCurl.js';
import { ROOT, type Running, spawnNode, waitFor } from './serverProcess.js';

export interface ShellCommand {
  /** the command as the page writes it, continuations joined */
  text: string;
  /** `NAME=value` words before the program */
  env: Record<string, string>;
  /** the program and its arguments */
  words: string[];
  /** the file after `>`, if any */
  stdoutTo?: string;
}

/** A shell block's commands: continuation lines joined, comments and blank lines dropped. */
export function shellCommands(body: string): ShellCommand[] {
  return body
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter((line) => line !== '')
    .map((text) => {
      const [command = '', redirect] = text.split(/\s>\s/);
      const words = shellWords(command);
      const env: Record<string, string> = {};
      while (/^[A-Z_][A-Z0-9_]*=/.test(words[0] ?? '')) {
        const [name = '', ...value] = (words.shift() as string).split('=');
        env[name] = value.join('=');
      }
      return { text, env, words, ...(redirect ? { stdoutTo: redirect.trim() } : {}) };
    });
}

const SCRIPTS = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** `node` file arguments for a program of a script or of npx: node itself, or a bin of node_modules/.bin. */
function nodeArgs(program: string, args: string[]): string[] {
  if (program === 'node') return args;
  if (program === 'tsx') return ['--import', 'tsx', ...args];
  // node_modules/.bin holds links to the packages' JavaScript entries.
  return [realpathSync(join(ROOT, 'node_modules', '.bin', program)), ...args];
}

/**
 * The `node` arguments `npm start`, `npm run [-s] NAME [-- ARGS]` or `npx BIN ARGS` comes to,
 * and the directory the program runs in (npm runs scripts in the package's root; npx in `cwd`).
 */
export function resolveCommand(words: readonly string[], cwd: string): { args: string[]; cwd: string } {
  const [tool, ...rest] = words;
  if (tool === 'npx') {
    const [program = '', ...args] = rest;
    return { args: nodeArgs(program, args), cwd };
  }
  if (tool !== 'npm') throw new Error(`not an npm or npx command: ${words.join(' ')}`);
  const [verb, ...more] = rest;
  // npm's own flags come before the script's name; after it, all is the script's.
  const named = verb === 'start' ? ['start', ...more] : verb === 'run' ? (more[0] === '-s' ? more.slice(1) : more) : undefined;
  if (!named) throw new Error(`npm ${verb ?? ''}: not a script this runner starts`);
  const [name = '', ...extra] = named;
  const script = SCRIPTS[name];
  if (script === undefined) throw new Error(`package.json has no script ${name}`);
  const scriptWords = shellWords(script);
  const args = extra[0] === '--' ? extra.slice(1) : extra;
  return { args: nodeArgs(scriptWords[0] ?? '', [...scriptWords.slice(1), ...args]), cwd: ROOT };
}

/**
 * Starts a page's command (see `resolveCommand`) in `cwd`, with this test's environment minus
 * the server's settings, plus PORT=0 and HOST=127.0.0.1, the command's own `NAME=value` words
 * and `env`.
 */
export function startShellCommand(command: ShellCommand, { cwd = ROOT, env = {} }: { cwd?: string; env?: Record<string, string> } = {}): Running {
  const resolved = resolveCommand(command.words, cwd);
  return spawnNode(resolved.args, { PORT: '0', HOST: '127.0.0.1', INIT_CWD: resolve(cwd), ...command.env, ...env }, { cwd: resolved.cwd });
}

/** Programs started through tsx compile first: a bound for a loaded machine, not a timing. */
export const PRINT_TIMEOUT_MS = 30_000;

/** Group 1 of `pattern` in the output, once printed (bounded); fails with the output if it exits first. */
export function printed(running: Running, pattern: RegExp, what: string, timeoutMs = PRINT_TIMEOUT_MS): Promise<string> {
  return waitFor(
    what,
    () => {
      const found = pattern.exec(running.stdout())?.[1];
      if (found !== undefined) return found;
      if (running.hasExited) throw new Error(`exited before ${what}.\nstdout:\n${running.stdout()}\nstderr:\n${running.stderr()}`);
      return undefined;
    },
    timeoutMs,
  );
}
