/**
 * MAX_SELECTIONS (contract: "Bounded cost per client"): the field selections one operation
 * may have, a fragment's counted at each spread, whole `__schema` / `__type` subtrees aside.
 *
 * Checked on the parsed document before graphql's validation runs: some of its rules
 * (OverlappingFieldsCanBeMerged) cost the square of the repeated selections of a set, so a
 * 7 KB document repeating one field 440 times took 360 ms of CPU to validate within every
 * other limit. Counting is linear: each fragment is counted once and its count reused at
 * every spread, and the count stops as soon as it passes the bound.
 */
import { type DocumentNode, type FragmentDefinitionNode, Kind, type SelectionSetNode } from 'graphql';

const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

/** The largest field-selection count of `document`'s operations, or `Infinity` once it passes `max`. */
export function selectionCount(document: DocumentNode, max: number): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const memo = new Map<string, number>();
  const visiting = new Set<string>();

  const countSet = (set: SelectionSetNode | undefined): number => {
    if (!set) return 0;
    let count = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (INTROSPECTION_ROOTS.has(selection.name.value)) continue;
        count += 1 + countSet(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        count += countSet(selection.selectionSet);
      } else {
        count += countFragment(selection.name.value);
      }
      if (count > max) return Infinity;
    }
    return count;
  };

  const countFragment = (name: string): number => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    // Unknown or cyclic: graphql's own rules report it.
    if (!fragment || visiting.has(name)) return 0;
    visiting.add(name);
    const count = countSet(fragment.selectionSet);
    visiting.delete(name);
    memo.set(name, count);
    return count;
  };

  let largest = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    largest = Math.max(largest, countSet(definition.selectionSet));
    if (largest > max) return Infinity;
  }
  return largest;
}
