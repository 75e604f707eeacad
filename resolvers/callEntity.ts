/**
 * `Call` as a Federation 2 entity. References are loaded through the operation's loader, so
 * a gateway's `_entities` batch is deduplicated and capped with every other lookup.
 * (Returning a key instead of the loaded object would break `_Entity` type resolution.)
 */
import { builder } from '../schema/builder.js';
import { CallRef } from '../schema/types/Call.js';
import { loadCall } from './callLookup.js';

builder.asEntity(CallRef, {
  key: builder.selection<{ projectId: string; sid: string }>('projectId sid'),
  resolveReference: (reference, ctx) => loadCall(ctx, reference.sid, reference.projectId),
});
