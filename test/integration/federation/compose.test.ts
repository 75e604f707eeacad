/**
 * `npm run compose` (scripts/compose.ts), run as the command it is (`node --import tsx`): it
 * prints the supergraph of schema/schema.graphql and the given subgraphs; subgraphs that
 * conflict end it with the composition errors (exit 1); an unreadable SDL file with one line
 * naming it (exit 1); a bad option refused with nothing on stdout (exit 2); a relative SDL path
 * is read from the directory npm was run from (INIT_CWD), not the package root npm runs the
 * script in. The runs are started together, each test reads its own. (Composition in process:
 * unit/schema/composition.test.ts.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, type Running, spawnNode, waitForExit } from '../../support/serverProcess.js';
import { SHIFTS_SDL } from '../../support/shiftsSubgraph.js';

const COMPOSE_TIMEOUT_MS = 30_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const directory = mkdtempSync(join(tmpdir(), 'compose-'));

/** Starts `npm run compose -- <args>` (as npm runs it: in the repository, `env` adding e.g. INIT_CWD); its outcome once it has exited (bounded). */
function compose(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const running: Running = spawnNode(['--import', 'tsx', 'scripts/compose.ts', ...args], env);
  return waitForExit(running, COMPOSE_TIMEOUT_MS).then(({ code }) => ({ code, stdout: running.stdout(), stderr: running.stderr() }));
}

/** `--subgraph shifts=<a file holding sdl>@…` */
function shiftsWith(sdl: string, name: string): string[] {
  const file = join(directory, `${name}.graphql`);
  writeFileSync(file, sdl);
  return ['--subgraph', `shifts=${file}@http://127.0.0.1:4001/graphql`];
}

let runs: Record<'composed' | 'conflict' | 'missingFile' | 'badUrl' | 'fromInitCwd', Run>;

beforeAll(async () => {
  writeFileSync(join(directory, 'relative.graphql'), SHIFTS_SDL);
  const [composed, conflict, missingFile, badUrl, fromInitCwd] = await Promise.all([
    compose(shiftsWith(SHIFTS_SDL, 'shifts')),
    compose(shiftsWith(SHIFTS_SDL.replace('sid: ID!\n}', 'sid: ID!\n  status: Int\n}').replace(', resolvable: false', ''), 'conflicting')),
    compose(['--subgraph', 'shifts=/nonexistent/shifts.graphql@http://shifts:4001/graphql']),
    compose(['--calls-url', 'notaurl']),
    // `npm run compose` from `directory`: npm runs the script in the repository, INIT_CWD=directory.
    compose(['--subgraph', 'shifts=relative.graphql@http://127.0.0.1:4001/graphql'], { INIT_CWD: directory }),
  ]);
  runs = { composed, conflict, missingFile, badUrl, fromInitCwd };
}, COMPOSE_TIMEOUT_MS + 5000);

afterAll(() => {
  killAll();
  rmSync(directory, { recursive: true, force: true });
});

describe('npm run compose', () => {
  it('prints the supergraph of schema/schema.graphql and the given subgraphs', () => {
    const { code, stdout } = runs.composed;
    expect(code).toBe(0);
    expect(stdout).toMatch(/join__Graph[\s\S]*CALLS @join__graph\(name: "calls"[\s\S]*SHIFTS @join__graph\(name: "shifts"/);
  });

  it('fails with the composition errors when the subgraphs conflict', () => {
    const { code, stderr } = runs.conflict;
    expect(code).toBe(1);
    expect(stderr).toMatch(/"Call\.status" is incompatible across subgraphs/);
  });

  it('with a missing file: one line, exit 1', () => {
    const { code, stdout, stderr } = runs.missingFile;
    expect(code).toBe(1);
    expect(stderr).toBe('cannot read /nonexistent/shifts.graphql: no such file\n');
    expect(stdout).toBe('');
  });

  it('with a --calls-url that is not a URL: refused, nothing printed on stdout, exit 2', () => {
    const { code, stdout, stderr } = runs.badUrl;
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe('bad --calls-url "notaurl": expected an http(s) URL such as http://calls:4000/graphql');
    expect(stdout).toBe('');
  });

  it('reads a relative SDL path from the directory npm was run from (INIT_CWD), not the repository', () => {
    const { code, stdout, stderr } = runs.fromInitCwd;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/SHIFTS @join__graph\(name: "shifts", url: "http:\/\/127\.0\.0\.1:4001\/graphql"\)/);
  });
});
