/**
 * MAX_LIST_ENTRIES: the entries of every list argument named `sids` (`calls`, `callsUpdates`,
 * any field to come) and of `_entities(representations:)`, added up over the operation:
 * written inline or passed in variables, through aliases and fragments (counted each time
 * they are spread), duplicates and malformed entries included. Over the limit the operation
 * gets HTTP 400 `BAD_USER_INPUT` and nothing executes.
 *
 * Counted in `onExecute` / `onSubscribe`, before graphql coerces the variables: coercing is
 * what made an oversized list expensive (250,000 malformed sids cost ~45 s of CPU, mostly in
 * the errors made for them afterwards), while counting raw values is one `.length` per
 * variable. What the document contributes is worked out once per operation and remembered.
 * `@skip` / `@include` are not evaluated: a list that may be passed is counted.
 */
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  getOperationAST,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { refusedOperationHttp } from './refusalStatus.js';

/** What an operation passes to list arguments: entries the document holds, and variables to read. */
interface ListSites {
  /** entries written in the document */
  literal: number;
  /** variables passed as a whole list → how many times each is passed */
  variables: Map<string, number>;
}

type Fragments = ReadonlyMap<string, FragmentDefinitionNode>;

const LISTS_BY_ARGUMENT = 'sids';
const ENTITIES_FIELD = '_entities';
const ENTITIES_ARGUMENT = 'representations';

const emptySites = (): ListSites => ({ literal: 0, variables: new Map() });

function addSites(into: ListSites, from: ListSites, times = 1): void {
  into.literal += from.literal * times;
  for (const [name, uses] of from.variables) into.variables.set(name, (into.variables.get(name) ?? 0) + uses * times);
}

/** Entries of a literal value given to a list argument (a single value is a list of one). */
function literalEntries(value: ValueNode): number {
  if (value.kind === Kind.LIST) return value.values.length;
  return value.kind === Kind.NULL ? 0 : 1;
}

function addArgument(into: ListSites, value: ValueNode): void {
  if (value.kind === Kind.VARIABLE) {
    const name = value.name.value;
    into.variables.set(name, (into.variables.get(name) ?? 0) + 1);
  } else {
    // An item that is a variable holds one entry: the item types (ID!, _Any!) are not lists.
    into.literal += literalEntries(value);
  }
}

function sitesOf(set: SelectionSetNode | undefined, fragments: Fragments, memo: Map<string, ListSites>, visiting: Set<string>): ListSites {
  const sites = emptySites();
  if (!set) return sites;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      const entities = selection.name.value === ENTITIES_FIELD;
      for (const argument of selection.arguments ?? []) {
        const name = argument.name.value;
        if (name === LISTS_BY_ARGUMENT || (entities && name === ENTITIES_ARGUMENT)) addArgument(sites, argument.value);
      }
      addSites(sites, sitesOf(selection.selectionSet, fragments, memo, visiting));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      addSites(sites, sitesOf(selection.selectionSet, fragments, memo, visiting));
    } else {
      const name = selection.name.value;
      let spread = memo.get(name);
      const fragment = fragments.get(name);
      // A cycle counts once: validation (NoFragmentCyclesRule) has refused such documents already.
      if (!spread && fragment && !visiting.has(name)) {
        visiting.add(name);
        spread = sitesOf(fragment.selectionSet, fragments, memo, visiting);
        visiting.delete(name);
        memo.set(name, spread);
      }
      if (spread) addSites(sites, spread);
    }
  }
  return sites;
}

interface OperationLists {
  sites: ListSites;
  /** entries of each variable's default value, for variables the request leaves out */
  defaults: Map<string, number>;
}

// Documents come from Yoga's parse cache: the same operation node for the same text.
const listsByOperation = new WeakMap<OperationDefinitionNode, OperationLists>();

function listsOf(document: DocumentNode, operation: OperationDefinitionNode): OperationLists {
  let lists = listsByOperation.get(operation);
  if (!lists) {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const defaults = new Map<string, number>();
    for (const definition of operation.variableDefinitions ?? []) {
      if (definition.defaultValue) defaults.set(definition.variable.name.value, literalEntries(definition.defaultValue));
    }
    lists = { sites: sitesOf(operation.selectionSet, fragments, new Map(), new Set()), defaults };
    listsByOperation.set(operation, lists);
  }
  return lists;
}

function variableEntries(name: string, variables: Readonly<Record<string, unknown>> | null | undefined, defaults: Map<string, number>): number {
  const value = variables && Object.hasOwn(variables, name) ? variables[name] : undefined;
  if (value === undefined) return defaults.get(name) ?? 0;
  if (value === null) return 0;
  return Array.isArray(value) ? value.length : 1;
}

/** List entries an operation passes, all added up; 0 when the operation cannot be told. */
export function listEntriesOf(
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): number {
  // No single operation: execution refuses the request itself.
  const operation = getOperationAST(document, operationName);
  if (!operation) return 0;
  const { sites, defaults } = listsOf(document, operation);
  let entries = sites.literal;
  for (const [name, uses] of sites.variables) entries += uses * variableEntries(name, variables, defaults);
  return entries;
}

export function useListEntriesLimit(maxListEntries: number): Plugin {
  const refusal = (entries: number) => ({
    errors: [
      new GraphQLError(
        `The operation passes ${entries} list entries (sids and _entities representations, all added up); at most ${maxListEntries} are allowed (MAX_LIST_ENTRIES).`,
        { extensions: { code: 'BAD_USER_INPUT', http: refusedOperationHttp() } },
      ),
    ],
  });
  type Args = { document: DocumentNode; operationName?: string | null; variableValues?: Readonly<Record<string, unknown>> | null };
  const check = (args: Args, stop: (result: ReturnType<typeof refusal>) => void) => {
    const entries = listEntriesOf(args.document, args.operationName, args.variableValues);
    if (entries > maxListEntries) stop(refusal(entries));
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      check(args, setResultAndStopExecution);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      check(args, setResultAndStopExecution);
    },
  };
}
