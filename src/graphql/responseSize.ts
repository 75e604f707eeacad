/**
 * MAX_RESPONSE_BYTES (contract: "Bounded cost per client"): the `data` of one answer stays
 * within it. An answer is a plain result, all the payloads of an incremental one (@defer,
 * @stream) together, or one subscription event. The calls from the point where it would pass,
 * in response order, are `null` with one RESPONSE_TOO_LARGE error each (MAX_ERRORS then caps
 * the list).
 *
 * Where the cut falls follows GraphQL's own null rule: at the nullable `Call` (a `call` field,
 * an entry of `calls` or `_entities`); a non-null root field that would pass (a subscription
 * event's `Call!`) makes the event's whole `data` null; a deferred fragment or streamed items
 * inside a call that would pass are left out whole (`data: null` / `items: null`), as the
 * executor does for a failed non-null field in them.
 *
 * Cheap for ordinary answers: the resolvers add each call's weight (fetch/callStore.ts:
 * `callWeightOf`, computed once per call object, a generous estimate of its JSON) as they
 * resolve it, times one plus the document's aliases (an alias can repeat a field of the same
 * call); only an answer whose estimate passes the budget has its data measured, value by value,
 * in response order (jsonBytes.ts: each shared object measured once): 1,000 copies of a call
 * carrying 240 KB of `data` are cut after about 8 MB, before the answer is ever written out. The payloads of an incremental result are
 * always measured (the ones sent before the estimate passed cannot be measured afterwards).
 */
import {
  type DocumentNode,
  getNullableType,
  getOperationAST,
  GraphQLError,
  type GraphQLField,
  type GraphQLSchema,
  isListType,
  isNonNullType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  visit,
} from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Call } from '../calls/call.js';
import { callWeightOf } from '../fetch/callStore.js';
import { jsonBytes } from './jsonBytes.js';
import { markLarge } from './largeAnswerTurns.js';
import type { IncrementalPayload } from './incrementalPayloads.js';

/** Estimated bytes of the calls resolved so far, per operation context. */
const estimates = new WeakMap<object, number>();

/** A call resolved for the operation of `ctx`: its weight counts toward the estimate. */
export function noteResolved(ctx: object, call: Call): void {
  estimates.set(ctx, (estimates.get(ctx) ?? 0) + callWeightOf(call));
}

export const RESPONSE_TOO_LARGE = 'RESPONSE_TOO_LARGE';

type Data = Record<string, unknown>;
type Path = readonly (string | number)[];
type WithErrors = { data?: Data | null; errors?: readonly GraphQLError[] };
type Part = { data?: Data | null; items?: unknown[] | null; path?: Path; errors?: readonly GraphQLError[] };

/**
 * How a root field is cut: `value` (nullable: the field is null), `entries` (a list of
 * nullable entries: each entry is), `whole` (non-null: the answer's data is null).
 */
type Cut = 'value' | 'entries' | 'whole';

/** One answer's bytes, spent in response order. Once passed, nothing more fits. */
class Budget {
  #used = 2;
  constructor(readonly max: number) {}

  key(key: string): void {
    this.#used += key.length + 4;
  }

  /** Counts `value`; false when it would pass the budget (or the budget is passed already). */
  fits(value: unknown): boolean {
    if (this.#used > this.max) return false;
    if (value === null || value === undefined) {
      this.#used += 5;
      return this.#used <= this.max;
    }
    this.#used += jsonBytes(value) + 1;
    return this.#used <= this.max;
  }

  tooLarge(path: Path): GraphQLError {
    // Hundreds of these for one large answer: a stack trace each (nobody reads them) was most of their cost.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return new GraphQLError(`The answer would pass MAX_RESPONSE_BYTES (${this.max} bytes): this call and the ones after it are left out.`, {
        path,
        extensions: { code: RESPONSE_TOO_LARGE },
      });
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

/**
 * Cuts the root fields of `data` (a result's, or a fragment deferred at the root) within
 * `budget`. `whole`: a non-null field did not fit, so `data` as a whole must be null.
 */
function cutRoot(data: Data, budget: Budget, cuts: ReadonlyMap<string, Cut>): { errors: GraphQLError[]; whole: boolean } {
  const errors: GraphQLError[] = [];
  for (const key of Object.keys(data)) {
    budget.key(key);
    const value = data[key];
    if (value === null || value === undefined) continue;
    const cut = cuts.get(key) ?? 'whole';
    if (cut === 'entries' && Array.isArray(value)) {
      value.forEach((entry, index) => {
        if (entry === null || budget.fits(entry)) return;
        value[index] = null;
        errors.push(budget.tooLarge([key, index]));
      });
    } else if (!budget.fits(value)) {
      if (cut !== 'value') return { errors: [budget.tooLarge([key])], whole: true };
      data[key] = null;
      errors.push(budget.tooLarge([key]));
    }
  }
  return { errors, whole: false };
}

/** A later payload's part, cut within `budget`: the same object when it fits. */
function cutPart(part: Part, budget: Budget, cuts: ReadonlyMap<string, Cut>): Part {
  const path = part.path ?? [];
  const errors: GraphQLError[] = [];
  let cutPart: Part = part;
  if (part.items) {
    // `path` ends with the index of the first item.
    const list = path.slice(0, -1);
    const first = Number(path.at(-1) ?? 0);
    const entries = list.length === 1 && cuts.get(String(list[0])) === 'entries';
    const items = part.items;
    for (let i = 0; i < items.length; i++) {
      if (items[i] === null || budget.fits(items[i])) continue;
      if (!entries) {
        cutPart = { ...part, items: null };
        errors.push(budget.tooLarge([...list, first + i]));
        break;
      }
      items[i] = null;
      errors.push(budget.tooLarge([...list, first + i]));
    }
  } else if (part.data) {
    if (path.length === 0) {
      const root = cutRoot(part.data, budget, cuts);
      if (root.whole) cutPart = { ...part, data: null };
      errors.push(...root.errors);
    } else if (!budget.fits(part.data)) {
      cutPart = { ...part, data: null };
      errors.push(budget.tooLarge(path));
    }
  }
  if (errors.length === 0) return cutPart;
  return { ...cutPart, errors: [...(part.errors ?? []), ...errors] };
}

const cutsByOperation = new WeakMap<OperationDefinitionNode, Map<string, Cut>>();

/** How each root response key of `operation` is cut, from its field's type in `schema`. */
function cutsOf(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): Map<string, Cut> {
  let cuts = cutsByOperation.get(operation);
  if (cuts) return cuts;
  cuts = new Map();
  const root = schema.getRootType(operation.operation);
  const fields = root?.getFields() ?? {};
  const fragments = new Map(document.definitions.flatMap((definition) => (definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition]] : [])));
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = fields[selection.name.value];
        if (field) cuts.set(selection.alias?.value ?? selection.name.value, cutOf(field));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  cutsByOperation.set(operation, cuts);
  return cuts;
}

function cutOf(field: GraphQLField<unknown, unknown>): Cut {
  const type = getNullableType(field.type);
  if (isListType(type) && !isNonNullType(type.ofType)) return 'entries';
  return isNonNullType(field.type) ? 'whole' : 'value';
}

const aliasesByDocument = new WeakMap<DocumentNode, number>();

/** Fields written with an alias anywhere in `document`: how many copies of one call's field an answer may carry, less one. */
function aliasesOf(document: DocumentNode): number {
  let aliases = aliasesByDocument.get(document);
  if (aliases === undefined) {
    aliases = 0;
    visit(document, {
      Field(node) {
        if (node.alias) aliases = (aliases ?? 0) + 1;
      },
    });
    aliasesByDocument.set(document, aliases);
  }
  return aliases;
}

interface OperationArgs {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null | undefined;
  contextValue: unknown;
}

export function useResponseSizeLimit(maxBytes: number): Plugin {
  // Past this estimate an answer is written in its turn (largeAnswerTurns.ts).
  const largeBytes = maxBytes / 8;
  /** The estimate of `args`' answer so far, from `since` (an earlier estimate) on. */
  const estimateOf = (args: OperationArgs, since = 0) => ((estimates.get(args.contextValue as object) ?? 0) - since) * (1 + aliasesOf(args.document));
  const cutsFor = (args: OperationArgs) => {
    const operation = getOperationAST(args.document, args.operationName ?? undefined);
    return operation ? cutsOf(args.schema, args.document, operation) : new Map<string, Cut>();
  };

  /** A result (or an incremental result's first payload, or an event) cut within `budget`; the same object when it fits. */
  const cutResult = <T extends WithErrors>(result: T, budget: Budget, cuts: ReadonlyMap<string, Cut>): T => {
    if (!result.data) return result;
    const { errors, whole } = cutRoot(result.data, budget, cuts);
    if (errors.length === 0) return result;
    return { ...result, ...(whole ? { data: null } : {}), errors: [...(result.errors ?? []), ...errors] };
  };

  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          if (!isAsyncIterable(result)) {
            const estimate = estimateOf(args);
            if (estimate <= largeBytes) return undefined;
            let cut = result as WithErrors;
            if (estimate > maxBytes) {
              cut = cutResult(cut, new Budget(maxBytes), cutsFor(args));
              if (cut !== result) setResult(cut as typeof result);
            }
            const request = (args.contextValue as { request?: object }).request;
            if (request) markLarge(request);
            return undefined;
          }
          // One budget for every payload of the incremental result.
          const budget = new Budget(maxBytes);
          const cuts = cutsFor(args);
          return {
            onNext({ result: payload, setResult: setPayload }) {
              let next = cutResult(payload as IncrementalPayload & WithErrors, budget, cuts);
              const parts = (payload as IncrementalPayload).incremental as readonly Part[] | undefined;
              if (parts) {
                const cutParts = parts.map((part) => cutPart(part, budget, cuts));
                if (cutParts.some((part, i) => part !== parts[i])) next = { ...next, incremental: cutParts } as typeof next;
              }
              if (next !== payload) setPayload(next as typeof payload);
            },
          };
        },
      };
    },
    onSubscribe() {
      return {
        onSubscribeResult({ args }) {
          // Each event is an answer of its own: its budget, and the estimate of the calls it resolved.
          let before = 0;
          return {
            onNext({ result, setResult }) {
              const estimate = estimateOf(args, before);
              before = estimates.get(args.contextValue as object) ?? 0;
              if (estimate <= maxBytes) return;
              const cut = cutResult(result as WithErrors, new Budget(maxBytes), cutsFor(args));
              if (cut !== result) setResult(cut as typeof result);
            },
          };
        },
      };
    },
  };
}
