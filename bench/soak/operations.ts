/**
 * The operation mix: what one request of the soak sends, and what the contract says must
 * come back. Checking answers (not only counting them) keeps a soak from passing while the
 * server quietly answers wrong under load.
 */
import { DEMO_API_KEY, DEMO_BEARER_TOKEN, DEMO_PROJECT_ID } from '../../src/simulator/index.js';
import type { Random } from './random.js';
import { GOVERNOR_CODES, type SoakUpstream } from './soakUpstream.js';

export const OPERATION_KINDS = [
  'call',
  'calls',
  'aliases',
  'entities',
  'faultyCall',
  'malformedSid',
  'invalidJson',
  'badQuery',
  'unknownKey',
] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

/** Relative frequency of each kind: mostly real traffic, a steady trickle of abuse. */
const WEIGHTS: Record<OperationKind, number> = {
  call: 26,
  calls: 22,
  aliases: 10,
  entities: 6,
  faultyCall: 10,
  malformedSid: 8,
  invalidJson: 6,
  badQuery: 8,
  unknownKey: 4,
};
const TOTAL_WEIGHT = Object.values(WEIGHTS).reduce((a, b) => a + b, 0);

export interface GraphQLError {
  message?: unknown;
  path?: unknown;
  extensions?: { code?: unknown };
}

export interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: GraphQLError[];
}

export interface CheckResult {
  /** What contradicts the contract, or undefined when the answer is what it promises. */
  problem: string | undefined;
  /**
   * Fields that ended in UPSTREAM_TIMEOUT although their upstream answers at once, or in
   * UPSTREAM_UNAVAILABLE because such timeouts opened the tenant's breaker: legal (the
   * contract's outcome of slow tries) but a sign the server could not keep up. On a quiet
   * machine a 3-minute soak has none.
   */
  loadTimeouts: number;
}

export interface PlannedRequest {
  readonly kind: OperationKind;
  readonly body: string;
  readonly headers: Record<string, string>;
  check(status: number, body: GraphQLBody | undefined): CheckResult;
}

type Path = readonly (string | number)[];
/** `upstream`: the field costs an upstream request, so a slow try can turn it into UPSTREAM_TIMEOUT. */
/** `orRefused`: the governor may refuse the field instead (GOVERNOR_CODES). */
type Outcome = { type: 'call'; sid: string } | { type: 'null' } | { type: 'error'; code: string; upstream: boolean; orRefused?: boolean };
interface Slot {
  sid: string;
  outcome: Outcome;
}

const CALL_FIELDS = `fragment CallFields on Call {
  sid projectId status upstreamStatus isFinal from to phoneNumber date durationSeconds cost
  recordings { url sid format }
  shift { partnerId shiftId assignmentId employeeGoesToWork cancellationReason newDate }
  data
}`;

const MALFORMED_SIDS = ['', 'has space', 'x'.repeat(65), 'semi;colon', 'CA\u00e9t\u00e9', '../call'];
const UNKNOWN_KEY = 'soak-unknown-key';
const INVALID_JSON_BODIES = ['{"query": "{ call(sid: \\"CA1', 'not json at all', '{"query":', '{"query": "{ __typename }",}'];
const BAD_QUERIES: ReadonlyArray<{ query: string; code: string }> = [
  { query: '{ call(sid: "CAx") { sid noSuchField } }', code: 'GRAPHQL_VALIDATION_FAILED' },
  { query: '{ noSuchRoot }', code: 'GRAPHQL_VALIDATION_FAILED' },
  { query: '{ calls(sids: ["CAx"]) { sid recordings } }', code: 'GRAPHQL_VALIDATION_FAILED' },
  { query: '{ call(sid: "CAx") { sid ', code: 'GRAPHQL_PARSE_FAILED' },
];

const MALFORMED_CODE = 'BAD_USER_INPUT';

export class OperationPlanner {
  readonly #random: Random;
  readonly #upstream: SoakUpstream;
  /** Fresh unknown sids: a server keeping something per sid would grow with them. */
  #fresh = 0;

  /** faulty sids whose failures the governor does not act on: they may share a request with healthy ones */
  readonly #shareable: SoakUpstream['faulty'];
  #nextFaulty = 0;

  constructor(random: Random, upstream: SoakUpstream) {
    this.#random = random;
    this.#upstream = upstream;
    this.#shareable = upstream.faulty.filter((faulty) => faulty.credential === undefined);
  }

  next(): PlannedRequest {
    const kind = this.#pickKind();
    switch (kind) {
      case 'call':
        return this.#single(kind, this.#goodSlot());
      case 'faultyCall': {
        const { slot, credential } = this.#faultyCall();
        return this.#single(kind, slot, credential);
      }
      case 'malformedSid':
        return this.#single(kind, this.#malformedSlot());
      case 'unknownKey':
        // A good sid: the 401 must come from the credential, not from a fault on the sid.
        return this.#single(kind, { ...this.#goodSlot(), outcome: { type: 'error', code: 'UNAUTHENTICATED', upstream: true } }, { 'x-api-key': UNKNOWN_KEY });
      case 'calls':
        return this.#calls();
      case 'aliases':
        return this.#aliases();
      case 'entities':
        return this.#entities();
      case 'invalidJson':
        return this.#rejected(kind, this.#random.pick(INVALID_JSON_BODIES), 'BAD_REQUEST');
      case 'badQuery': {
        const bad = this.#random.pick(BAD_QUERIES);
        return this.#rejected(kind, JSON.stringify({ query: bad.query }), bad.code);
      }
    }
  }

  #pickKind(): OperationKind {
    let roll = this.#random.next() * TOTAL_WEIGHT;
    for (const kind of OPERATION_KINDS) {
      roll -= WEIGHTS[kind];
      if (roll < 0) return kind;
    }
    return 'call';
  }

  #goodSlot(): Slot {
    const sid = this.#random.pick(this.#upstream.good);
    return { sid, outcome: { type: 'call', sid } };
  }

  #unknownSlot(): Slot {
    const sid = this.#random.chance(0.25) ? `CAsoak_fresh_${++this.#fresh}` : this.#random.pick(this.#upstream.unknown);
    return { sid, outcome: { type: 'null' } };
  }

  /**
   * The next faulty sid in turn (not at random: even a run of a few seconds meets every kind
   * of failure), with the credential it must be asked with (its own tenant, for some).
   */
  #faultyCall(): { slot: Slot; credential: Record<string, string> | undefined } {
    const faulty = this.#upstream.faulty;
    const { sid, code, credential } = faulty[this.#nextFaulty++ % faulty.length] as (typeof faulty)[number];
    const outcome: Outcome = code === undefined ? { type: 'call', sid } : { type: 'error', code, upstream: true, orRefused: credential !== undefined };
    return { slot: { sid, outcome }, credential: credential && { ...credential } };
  }

  /** A faulty sid that may share a request with healthy ones: one whose failures the governor does not act on. */
  #faultySlot(): Slot {
    const { sid, code } = this.#random.pick(this.#shareable);
    return { sid, outcome: code === undefined ? { type: 'call', sid } : { type: 'error', code, upstream: true } };
  }



  #malformedSlot(): Slot {
    return { sid: this.#random.pick(MALFORMED_SIDS), outcome: { type: 'error', code: MALFORMED_CODE, upstream: false } };
  }

  /** 10–40 sids: good, unknown, faulty, the odd malformed one, and duplicates of earlier entries. */
  #sidList(min = 10, max = 40): Slot[] {
    const random = this.#random;
    const slots: Slot[] = [];
    const length = random.int(min, max);
    while (slots.length < length) {
      const roll = random.next();
      // Faulty sids here are those whose failures no governor acts on (bad bodies, wrong types).
      if (roll < 0.1 && slots.length > 0) slots.push(random.pick(slots));
      else if (roll < 0.7) slots.push(this.#goodSlot());
      else if (roll < 0.88) slots.push(this.#unknownSlot());
      else if (roll < 0.97) slots.push(this.#faultySlot());
      else slots.push(this.#malformedSlot());
    }
    return slots;
  }

  /**
   * Who the request says it is: its own key, a bearer token, or nothing (the server's key).
   * `credential` replaces that choice: a second, valid credential would let the request in.
   */
  #headers(credential?: Record<string, string>): Record<string, string> {
    const random = this.#random;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: random.chance(0.5) ? 'application/graphql-response+json, application/json' : 'application/json',
    };
    if (credential) return { ...headers, ...credential };
    const roll = random.next();
    if (roll < 0.5) headers['x-api-key'] = DEMO_API_KEY;
    else if (roll < 0.7) headers['authorization'] = `Bearer ${DEMO_BEARER_TOKEN}`;
    return headers;
  }

  /** `projectId` is optional (the server has a default); send it sometimes to cover both paths. */
  #projectVariable(): Record<string, string> {
    return this.#random.chance(0.3) ? { projectId: DEMO_PROJECT_ID } : {};
  }

  #single(kind: OperationKind, slot: Slot, credential?: Record<string, string>): PlannedRequest {
    const query = `query SoakCall($sid: ID!, $projectId: ID) { call(sid: $sid, projectId: $projectId) { ...CallFields } }\n${CALL_FIELDS}`;
    return this.#executed(kind, query, { sid: slot.sid, ...this.#projectVariable() }, [[['call'], slot.outcome]], credential);
  }

  #calls(): PlannedRequest {
    const slots = this.#sidList();
    const query = `query SoakCalls($sids: [ID!]!, $projectId: ID) { calls(sids: $sids, projectId: $projectId) { ...CallFields } }\n${CALL_FIELDS}`;
    const expectations = slots.map((slot, i): [Path, Outcome] => [['calls', i], slot.outcome]);
    return this.#executed('calls', query, { sids: slots.map((s) => s.sid), ...this.#projectVariable() }, expectations, undefined, [
      ['calls'],
      slots.length,
    ]);
  }

  /** 2–5 aliased root fields, `call` and small `calls`: the loader must dedupe across them. */
  #aliases(): PlannedRequest {
    const random = this.#random;
    const count = random.int(2, 5);
    const declarations: string[] = [];
    const fields: string[] = [];
    const variables: Record<string, unknown> = {};
    const expectations: [Path, Outcome][] = [];
    const lists: [Path, number][] = [];
    for (let i = 0; i < count; i++) {
      const alias = `a${i}`;
      if (random.chance(0.6)) {
        const slot = random.chance(0.7) ? this.#goodSlot() : this.#faultySlot();
        declarations.push(`$s${i}: ID!`);
        fields.push(`${alias}: call(sid: $s${i}) { ...CallFields }`);
        variables[`s${i}`] = slot.sid;
        expectations.push([[alias], slot.outcome]);
      } else {
        const slots = this.#sidList(2, 8);
        declarations.push(`$l${i}: [ID!]!`);
        fields.push(`${alias}: calls(sids: $l${i}) { ...CallFields }`);
        variables[`l${i}`] = slots.map((s) => s.sid);
        slots.forEach((slot, j) => expectations.push([[alias, j], slot.outcome]));
        lists.push([[alias], slots.length]);
      }
    }
    const query = `query SoakAliases(${declarations.join(', ')}) { ${fields.join(' ')} }\n${CALL_FIELDS}`;
    return this.#executed('aliases', query, variables, expectations, undefined, ...lists);
  }

  /** What a gateway sends: representations; unknown calls resolve to null, errors stay per entry. */
  #entities(): PlannedRequest {
    const slots = this.#sidList(1, 20);
    const representations = slots.map((slot) => ({ __typename: 'Call', projectId: DEMO_PROJECT_ID, sid: slot.sid }));
    const query = `query SoakEntities($r: [_Any!]!) { _entities(representations: $r) { ... on Call { ...CallFields } } }\n${CALL_FIELDS}`;
    const expectations = slots.map((slot, i): [Path, Outcome] => [['_entities', i], slot.outcome]);
    return this.#executed('entities', query, { r: representations }, expectations, undefined, [['_entities'], slots.length]);
  }

  #rejected(kind: OperationKind, body: string, code: string): PlannedRequest {
    const headers = this.#headers();
    // A document refused (parse, validation) is 200 for a client getting application/json and
    // 400 for application/graphql-response+json (limits/refusalStatus.ts); a body that is not
    // JSON is 400 for both.
    const expected = kind === 'badQuery' && headers['accept'] === 'application/json' ? 200 : 400;
    return {
      kind,
      body,
      headers,
      check(status, answer) {
        const codes = (answer?.errors ?? []).map((e) => e.extensions?.code);
        const problem =
          status !== expected ? `HTTP ${status}, expected ${expected}` : codes.includes(code) ? undefined : `codes ${JSON.stringify(codes)}, expected ${code}`;
        return { problem, loadTimeouts: 0 };
      },
    };
  }

  #executed(
    kind: OperationKind,
    query: string,
    variables: Record<string, unknown>,
    expectations: readonly [Path, Outcome][],
    credential?: Record<string, string>,
    ...lists: readonly [Path, number][]
  ): PlannedRequest {
    return {
      kind,
      body: JSON.stringify({ query, variables }),
      headers: this.#headers(credential),
      check: (status, answer) => checkExecuted(status, answer, expectations, lists),
    };
  }
}

function samePath(a: unknown, b: Path): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((part, i) => part === b[i]);
}

function under(a: unknown, prefix: Path): boolean {
  return Array.isArray(a) && a.length >= prefix.length && prefix.every((part, i) => a[i] === part);
}

function valueAt(data: unknown, path: Path): unknown {
  let value = data;
  for (const part of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string | number, unknown>)[part];
  }
  return value;
}

const TIMEOUT = 'UPSTREAM_TIMEOUT';
/** What a machine too loaded to keep up turns a call into: slow tries, then the breaker they open. */
const LOAD_CODES: readonly unknown[] = [TIMEOUT, 'UPSTREAM_UNAVAILABLE'];

/** First contradiction between an executed operation's answer and the expected outcome of every field. */
function checkExecuted(
  status: number,
  answer: GraphQLBody | undefined,
  expectations: readonly [Path, Outcome][],
  lists: readonly [Path, number][],
): CheckResult {
  let loadTimeouts = 0;
  const fail = (problem: string): CheckResult => ({ problem, loadTimeouts });
  if (status !== 200) return fail(`HTTP ${status}, expected 200`);
  if (!answer || typeof answer.data !== 'object' || answer.data === null) return fail('no data');
  const errors = answer.errors ?? [];
  for (const [path, length] of lists) {
    const list = valueAt(answer.data, path);
    if (!Array.isArray(list) || list.length !== length) return fail(`${path.join('.')}: expected a list of ${length}`);
  }
  /** Paths where an error is legitimate: expected failures, and timeouts of fields that go upstream. */
  const erring: Path[] = [];
  for (const [path, outcome] of expectations) {
    const where = path.join('.');
    const value = valueAt(answer.data, path);
    const errorsHere = errors.filter((e) => under(e.path, path));
    const codesHere = errorsHere.filter((e) => samePath(e.path, path)).map((e) => e.extensions?.code);
    const expectedCode = outcome.type === 'error' ? outcome.code : undefined;
    const mayTimeOut = outcome.type !== 'error' || outcome.upstream;
    if (mayTimeOut && expectedCode !== TIMEOUT && value === null && codesHere.length > 0 && codesHere.every((c) => LOAD_CODES.includes(c))) {
      loadTimeouts++;
      erring.push(path);
      continue;
    }
    if (expectedCode !== undefined) {
      if (value !== null) return fail(`${where}: expected null with ${expectedCode}, got a value`);
      const accepted = outcome.type === 'error' && outcome.orRefused ? [expectedCode, ...GOVERNOR_CODES] : [expectedCode];
      if (!codesHere.some((code) => accepted.includes(code as string))) return fail(`${where}: expected ${accepted.join(' or ')}, got ${JSON.stringify(codesHere)}`);
      erring.push(path);
      continue;
    }
    if (errorsHere.length > 0) {
      return fail(`${where}: unexpected error ${JSON.stringify(errorsHere[0]?.extensions?.code)} (${String(errorsHere[0]?.message)})`);
    }
    if (outcome.type === 'null') {
      if (value !== null) return fail(`${where}: expected null (unknown call)`);
    } else if (outcome.type === 'call' && (typeof value !== 'object' || value === null || (value as { sid?: unknown }).sid !== outcome.sid)) {
      return fail(`${where}: expected call ${outcome.sid}`);
    }
  }
  // Every error must belong to a field that was allowed to fail.
  const stray = errors.find((e) => !erring.some((path) => samePath(e.path, path)));
  if (stray) return fail(`unexpected error ${JSON.stringify(stray.extensions?.code)} at ${JSON.stringify(stray.path)}: ${String(stray.message)}`);
  return { problem: undefined, loadTimeouts };
}
