/**
 * `Call` as a Federation 2 entity: a reference is loaded through the operation's loader, so a
 * gateway's `_entities` batch is deduplicated and capped with every other lookup. (Returning a
 * key instead of the loaded object would break `_Entity` type resolution.)
 */
import type { GraphQLResolveInfo } from 'graphql';
import type { Call } from '../src/calls/call.js';
import type { Context } from '../src/graphql/context.js';
import { loadCall, refuseInput } from './callLookup.js';

const REPRESENTATION_TYPES = 'An _entities representation of Call needs sid, and projectId when given, as a string or a number.';

const isIdValue = (value: unknown): value is string | number => typeof value === 'string' || typeof value === 'number';

/**
 * Representations are `_Any`: nothing has checked their shape. Coercing a list or an object with
 * String() would make a sid of it (`["CA1"]` → "CA1"), so anything else fails this entry only.
 */
export function resolveCallReference(reference: object, ctx: Context, info: GraphQLResolveInfo): Promise<Call | null> {
  const index = entryIndexOf(info);
  const { sid, projectId } = reference as { sid?: unknown; projectId?: unknown };
  if (!isIdValue(sid) || (projectId != null && !isIdValue(projectId))) return refuseInput(ctx, REPRESENTATION_TYPES);
  return loadCall(ctx, sid, projectId, info, index);
}

// `_entities` resolves its representations in order, one reference call each, with one `info`
// for the field: counting calls per field path gives each entry's index (extensions.stale).
const entriesSeen = new WeakMap<object, number>();
function entryIndexOf(info: GraphQLResolveInfo): number {
  const index = entriesSeen.get(info.path) ?? 0;
  entriesSeen.set(info.path, index + 1);
  return index;
}
