/**
 * `Call` as a Federation 2 entity. References are loaded through the operation's loader, so
 * a gateway's `_entities` batch is deduplicated and capped with every other lookup.
 * (Returning a key instead of the loaded object would break `_Entity` type resolution.)
 */
import { builder } from '../schema/builder.js';
import { CallRef } from '../schema/types/Call.js';
import { loadCall, refuseInput } from './callLookup.js';

const REPRESENTATION_TYPES = 'An _entities representation of Call needs sid, and projectId when given, as a string or a number.';

const isIdValue = (value: unknown): value is string | number => typeof value === 'string' || typeof value === 'number';

builder.asEntity(CallRef, {
  key: builder.selection<{ projectId: string; sid: string }>('projectId sid'),
  // Representations are `_Any`: nothing has checked their shape. Coercing a list or an object
  // with String() would make a sid of it (`["CA1"]` → "CA1"), so anything else fails this
  // entry only.
  resolveReference: (reference, ctx) => {
    const { sid, projectId } = reference as { sid?: unknown; projectId?: unknown };
    if (!isIdValue(sid) || (projectId != null && !isIdValue(projectId))) return refuseInput(ctx, REPRESENTATION_TYPES);
    return loadCall(ctx, sid, projectId);
  },
});
