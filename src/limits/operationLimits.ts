/**
 * Validation rules bounding what one operation may ask for, so a single request cannot
 * amplify into unbounded work. They run before execution: a rejected operation causes no
 * upstream request. Rejections carry `GRAPHQL_VALIDATION_FAILED` (HTTP 400, see
 * errorMasking.ts).
 *
 * Written here rather than taken from graphql-armor: its depth rule counts each fragment
 * spread as a level and trips on GraphiQL's own introspection query, and its rejections
 * carry no code. Cyclic introspection is left to graphql's own MaxIntrospectionDepthRule
 * (in its specified rules), and token counting to graphql's parser (`maxTokens`).
 */
import {
  type ASTVisitor,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

export const VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED';

type Fragments = ReadonlyMap<string, FragmentDefinitionNode>;

function fragmentsOf(context: ValidationContext): Fragments {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of context.getDocument().definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/**
 * Deepest field nesting of a selection set. Fragments count by their content (a spread is
 * not a level); `__schema` / `__type` subtrees are not counted (GraphiQL's introspection is
 * deeper than any data query; cycles there are graphql's own rule's business). A fragment
 * cycle counts as 0: NoFragmentCyclesRule reports it.
 */
function depthOf(set: SelectionSetNode | undefined, fragments: Fragments, visiting: Set<string>, memo: Map<string, number>): number {
  if (!set) return 0;
  let deepest = 0;
  for (const selection of set.selections) {
    let depth = 0;
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      depth = 1 + depthOf(selection.selectionSet, fragments, visiting, memo);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      depth = depthOf(selection.selectionSet, fragments, visiting, memo);
    } else {
      depth = spreadValue(selection.name.value, fragments, visiting, memo, (fragment) =>
        depthOf(fragment.selectionSet, fragments, visiting, memo),
      );
    }
    deepest = Math.max(deepest, depth);
  }
  return deepest;
}

/** Aliases an operation uses, each fragment counted every time it is spread. */
function aliasesOf(set: SelectionSetNode | undefined, fragments: Fragments, visiting: Set<string>, memo: Map<string, number>): number {
  if (!set) return 0;
  let count = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      count += (selection.alias ? 1 : 0) + aliasesOf(selection.selectionSet, fragments, visiting, memo);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += aliasesOf(selection.selectionSet, fragments, visiting, memo);
    } else {
      count += spreadValue(selection.name.value, fragments, visiting, memo, (fragment) =>
        aliasesOf(fragment.selectionSet, fragments, visiting, memo),
      );
    }
  }
  return count;
}

function spreadValue(
  name: string,
  fragments: Fragments,
  visiting: Set<string>,
  memo: Map<string, number>,
  measure: (fragment: FragmentDefinitionNode) => number,
): number {
  const known = memo.get(name);
  if (known !== undefined) return known;
  const fragment = fragments.get(name);
  if (!fragment || visiting.has(name)) return 0;
  visiting.add(name);
  const value = measure(fragment);
  visiting.delete(name);
  memo.set(name, value);
  return value;
}

function operationRule(
  measure: (operation: OperationDefinitionNode, fragments: Fragments) => number,
  limit: number,
  describe: (value: number, operation: OperationDefinitionNode) => string,
) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = fragmentsOf(context);
    return {
      OperationDefinition(operation) {
        const value = measure(operation, fragments);
        if (value > limit) {
          context.reportError(
            new GraphQLError(describe(value, operation), { nodes: [operation], extensions: { code: VALIDATION_FAILED } }),
          );
        }
        return false; // nothing below needs visiting
      },
    };
  };
}

const named = (operation: OperationDefinitionNode) => (operation.name ? `Operation "${operation.name.value}"` : 'The operation');

export function maxDepthRule(maxDepth: number) {
  return operationRule(
    (operation, fragments) => depthOf(operation.selectionSet, fragments, new Set(), new Map()),
    maxDepth,
    (depth, operation) => `${named(operation)} is ${depth} levels deep; at most ${maxDepth} are allowed (MAX_DEPTH).`,
  );
}

export function maxAliasesRule(maxAliases: number) {
  return operationRule(
    (operation, fragments) => aliasesOf(operation.selectionSet, fragments, new Set(), new Map()),
    maxAliases,
    (count, operation) => `${named(operation)} uses ${count} aliases; at most ${maxAliases} are allowed (MAX_ALIASES).`,
  );
}
