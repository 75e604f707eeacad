/**
 * The servers the bench measures and how each is started: compiled by `npm run build` into
 * dist/ (this server exactly as deployed, the baselines beside it), on loopback, against the
 * bench upstream, with NODE_ENV=production and no other variable of this shell; this server
 * also with the Node flags of `npm start`, so it is measured as it runs in production.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST, ROOT, SERVER_ENTRY, type ServerProcess, startServerProcess } from './lib/serverProcess.js';
import { BENCH_PROJECT, type Upstream } from './lib/upstream.js';
import { SLOTS, type TargetName } from './workloads.js';

const baseline = (name: string) => join(DIST, 'bench', 'baselines', name, 'main.js');

export const TARGET_ENTRIES: Readonly<Record<TargetName, string>> = {
  talkstack: SERVER_ENTRY,
  'apollo-rest': baseline('apollo-rest'),
  'yoga-minimal': baseline('yoga-minimal'),
  'bare-proxy': baseline('bare-proxy'),
};

export const isTargetName = (name: string): name is TargetName => Object.hasOwn(TARGET_ENTRIES, name);

/**
 * Generous: the bench starts every server at once, this server alone takes ~2 s of CPU to
 * load, and on a shared 2-core machine they get a fraction of it.
 */
const START_TIMEOUT_MS = 60_000;

export interface Target extends ServerProcess {
  /** the row's name, e.g. talkstack@1024 */
  readonly name: string;
}

/** The Node flags of package.json's `start` script. */
function startFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  return (scripts?.['start'] ?? '').split(/\s+/).filter((word) => word.startsWith('--'));
}

export interface TargetSettings {
  /** the row's name; default the target's */
  label?: string;
  /** another compiled entry of the same target (e.g. this server as built from an earlier commit) */
  entry?: string;
  /** settings of this server for this run (the baselines have none) */
  serverEnv?: Readonly<Record<string, string>>;
}

/** Starts one server against `upstream` and resolves once it listens. */
export async function startTarget(name: TargetName, upstream: Upstream, { label = name, entry = TARGET_ENTRIES[name], serverEnv = {} }: TargetSettings = {}): Promise<Target> {
  const talkstack = name === 'talkstack';
  const server = await startServerProcess({
    name: label,
    entry,
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'production',
      TALKSTACK_DEMO: '0',
      TALKSTACK_API_URL: upstream.url,
      TALKSTACK_PROJECT_ID: BENCH_PROJECT,
      UPSTREAM_CONCURRENCY: String(SLOTS),
      LOG_LEVEL: 'warn',
      ...(talkstack ? serverEnv : {}),
    },
    flags: talkstack ? startFlags() : [],
    startTimeoutMs: START_TIMEOUT_MS,
  });
  return Object.assign(server, { name: label });
}
