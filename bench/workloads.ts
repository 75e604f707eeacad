/**
 * What the bench measures: the workloads of issue 7 (w1–w6) and the fairness run, each with
 * the bodies it sends, the upstream latency it runs at, and what a right answer looks like.
 * Sids are fresh where a workload says "new" (so no cache could ever answer them), fixed
 * where it says "the same" or "refreshed".
 */

export type TargetName = 'talkstack' | 'apollo-rest' | 'yoga-minimal' | 'bare-proxy';

export interface Workload {
  readonly id: string;
  readonly title: string;
  readonly latencyMs: number;
  readonly connections: number;
  readonly targets: readonly TargetName[];
  /** settings this server needs for it (a separate instance is started) */
  readonly serverEnv?: Readonly<Record<string, string>>;
  /** extra rows of this server with other settings, e.g. as many slots as Apollo takes */
  readonly variants?: readonly { readonly name: string; readonly env: Readonly<Record<string, string>> }[];
  /** distinct calls one operation needs upstream (per the contract's dedup) */
  readonly distinctCalls?: number;
  /** calls that must really go upstream once a cache of final calls exists (w1, w6) */
  readonly uncachedCalls?: number;
  body(n: number): string;
  check(status: number, body: string): string | undefined;
}

export const SLOTS = 64;

/** Apollo + RESTDataSource has no limit; this row gives this server the same freedom. */
const UNBOUNDED = [{ name: 'talkstack@1024', env: { UPSTREAM_CONCURRENCY: '1024' } }] as const;

const FIELDS = 'sid status isFinal from to date durationSeconds cost recordings { url sid format } shift { shiftId employeeGoesToWork }';
const CALL = `query Call($sid: ID!) { call(sid: $sid) { ${FIELDS} } }`;
const CALLS = `query Page($sids: [ID!]!) { calls(sids: $sids) { ${FIELDS} } }`;
const ENTITIES = `query Entities($r: [_Any!]!) { _entities(representations: $r) { ... on Call { ${FIELDS} } } }`;

const json = (query: string, variables?: Record<string, unknown>) => JSON.stringify(variables ? { query, variables } : { query });

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { extensions?: { code?: string } }[];
}

function parse(status: number, body: string): Answer | string {
  if (status !== 200) return `HTTP ${status}: ${body.slice(0, 200)}`;
  try {
    return JSON.parse(body) as Answer;
  } catch {
    return `not JSON: ${body.slice(0, 200)}`;
  }
}

/** A 200 without errors whose `field` holds `expect(value)` true. */
const answers =
  (field: string, expect: (value: unknown) => boolean) =>
  (status: number, body: string): string | undefined => {
    const answer = parse(status, body);
    if (typeof answer === 'string') return answer;
    if (answer.errors?.length) return `errors: ${JSON.stringify(answer.errors).slice(0, 200)}`;
    return expect(answer.data?.[field]) ? undefined : `unexpected ${field}: ${JSON.stringify(answer.data).slice(0, 200)}`;
  };

const completedCall = (value: unknown) => (value as { status?: string } | null)?.status === 'COMPLETED';
const listOf = (length: number) => (value: unknown) => Array.isArray(value) && value.length === length && value.every((v) => v !== null);

/** 100 sids of which 70 distinct, fresh for request `n`. */
function pageWithDuplicates(prefix: string, n: number): string[] {
  const distinct = Array.from({ length: 70 }, (_, i) => `CA${prefix}${n}x${i}`);
  return [...distinct, ...distinct.slice(0, 30)];
}

/** 200 representations of which 120 distinct, fresh for request `n`. */
function representations(n: number) {
  const distinct = Array.from({ length: 120 }, (_, i) => ({ __typename: 'Call', projectId: 'bench-project', sid: `CAw4r${n}x${i}` }));
  return [...distinct, ...distinct.slice(0, 80)];
}

/** The ten dashboard pages of w6: 90 finished calls and 10 live ones each, the same every refresh. */
const DASHBOARD_PAGES = Array.from({ length: 10 }, (_, page) => [
  ...Array.from({ length: 90 }, (_, i) => `CAw6p${page}done${i}`),
  ...Array.from({ length: 10 }, (_, i) => `CAlivew6p${page}x${i}`),
]);

/** w3 and w3c: `calls` with 100 sids of which 70 distinct, fresh each time, on `connections`. */
function pageWorkload(id: string, connections: number): Workload {
  return {
    id,
    title: `\`calls\`, 100 sids / 70 distinct, ${connections} connection${connections === 1 ? '' : 's'}`,
    latencyMs: 20,
    connections,
    targets: ['talkstack', 'apollo-rest', 'yoga-minimal'],
    distinctCalls: 70,
    body: (n) => json(CALLS, { sids: pageWithDuplicates(`${id}n`, n) }),
    check: answers('calls', listOf(100)),
  };
}

const W5_ALIASES = 300;
const W5_MAX_CALLS = 100;

export const WORKLOADS: readonly Workload[] = [
  {
    id: 'w1',
    title: 'one call, the same completed sid every time',
    latencyMs: 0,
    connections: 50,
    targets: ['talkstack', 'apollo-rest', 'yoga-minimal', 'bare-proxy'],
    distinctCalls: 1,
    uncachedCalls: 0,
    body: () => json(CALL, { sid: 'CAw1same' }),
    check: answers('call', completedCall),
  },
  {
    id: 'w2',
    title: 'one call, a new sid each time',
    latencyMs: 5,
    connections: 50,
    targets: ['talkstack', 'apollo-rest', 'yoga-minimal', 'bare-proxy'],
    distinctCalls: 1,
    body: (n) => json(CALL, { sid: `CAw2n${n}` }),
    check: answers('call', completedCall),
  },
  pageWorkload('w3', 1),
  { ...pageWorkload('w3c', 10), variants: UNBOUNDED },
  {
    id: 'w4',
    title: '`_entities`, 200 representations / 120 distinct, 10 connections',
    latencyMs: 20,
    connections: 10,
    targets: ['talkstack', 'apollo-rest', 'yoga-minimal'],
    variants: UNBOUNDED,
    distinctCalls: 120,
    body: (n) => json(ENTITIES, { r: representations(n) }),
    check: answers('_entities', listOf(200)),
  },
  {
    id: 'w5',
    title: `${W5_ALIASES} aliased \`call\` fields on distinct sids, MAX_CALLS_PER_REQUEST=${W5_MAX_CALLS}`,
    latencyMs: 20,
    connections: 1,
    targets: ['talkstack', 'apollo-rest', 'yoga-minimal'],
    // MAX_TOKENS: 300 aliased fields are ~3,300 tokens; MAX_SELECTIONS: 900 selections.
    serverEnv: { MAX_ALIASES: String(W5_ALIASES), MAX_CALLS_PER_REQUEST: String(W5_MAX_CALLS), MAX_TOKENS: '20000', MAX_ERRORS: '1000', MAX_SELECTIONS: '2000' },
    distinctCalls: W5_MAX_CALLS,
    body: (n) =>
      json(`{ ${Array.from({ length: W5_ALIASES }, (_, i) => `c${i}: call(sid: "CAw5n${n}x${i}") { sid status }`).join(' ')} }`),
    check: (status, body) => {
      const answer = parse(status, body);
      if (typeof answer === 'string') return answer;
      const resolved = Object.values(answer.data ?? {}).filter((call) => call !== null).length;
      const capped = (answer.errors ?? []).filter((error) => error.extensions?.code === 'TOO_MANY_CALLS').length;
      // This server: 100 resolved and 200 TOO_MANY_CALLS; the baselines have no cap (300 resolved).
      const ok = (resolved === W5_MAX_CALLS && capped === W5_ALIASES - W5_MAX_CALLS) || (resolved === W5_ALIASES && capped === 0);
      return ok ? undefined : `resolved ${resolved}, TOO_MANY_CALLS ${capped}`;
    },
  },
  {
    id: 'w6',
    title: 'ten dashboard pages refreshed over and over, 90 finished + 10 live calls each',
    latencyMs: 20,
    connections: 10,
    targets: ['talkstack', 'apollo-rest', 'yoga-minimal'],
    distinctCalls: 100,
    uncachedCalls: 10,
    body: (n) => json(CALLS, { sids: DASHBOARD_PAGES[n % DASHBOARD_PAGES.length] }),
    check: answers('calls', listOf(100)),
  },
];

/** Fairness: a heavy tenant paging 500 distinct calls while a light one asks for single calls. */
export const FAIRNESS = {
  id: 'fair',
  title: "one tenant's 500-call pages while another tenant asks for single calls",
  latencyMs: 200,
  heavyPage: 500,
  targets: ['talkstack', 'apollo-rest', 'yoga-minimal'] as readonly TargetName[],
  heavyBody: (n: number) => json(CALLS.replace(FIELDS, 'sid status'), { sids: Array.from({ length: 500 }, (_, i) => `CAfh${n}x${i}`) }),
  lightBody: (n: number) => json(CALL, { sid: `CAfl${n}` }),
  checkHeavy: answers('calls', listOf(500)),
  checkLight: answers('call', completedCall),
};

/**
 * The mean a perfect server would reach: the rounds of `SLOTS` parallel upstream calls that
 * `connections` concurrent operations of `calls` distinct calls need, at `latencyMs` each.
 */
export function idealMeanMs(calls: number, connections: number, latencyMs: number): number {
  return Math.ceil((calls * connections) / SLOTS) * latencyMs;
}
