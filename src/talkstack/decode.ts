/**
 * Decodes an upstream call body. Only `status` is required (a string); every other field
 * that is absent or of the wrong type becomes null (lists: [], `data`: {}), so one odd field
 * never costs the user the whole call.
 */
import { z } from 'zod';

/** An upstream call after decoding: every field has a definite type. */
export interface TalkstackCall {
  status: string;
  seconds: number | null;
  cost: number | null;
  from: string | null;
  to: string | null;
  phoneNumber: string | null;
  date: string | null;
  /** only the string entries of `recordingUrls` */
  recordingUrls: string[];
  callSid: string | null;
  partnerId: string | null;
  shiftId: string | null;
  assignmentId: string | null;
  data: Record<string, unknown>;
}

// Absent fields are the common case (a live call has few): `nullish` lets them through
// without the issue object a failed check and its catch cost (measured 10× slower per live
// call); decodeCall turns them into null afterwards.
const optionalString = z.string().nullish().catch(null);
const optionalNumber = z.number().nullish().catch(null);
// Reference ids are opaque: a numeric id is as good as a string one.
const optionalId = z
  .union([z.string(), z.number().transform(String)])
  .nullish()
  .catch(null);

const callBody = z.object({
  status: z.string(),
  seconds: optionalNumber,
  cost: optionalNumber,
  from: optionalString,
  to: optionalString,
  phoneNumber: optionalString,
  date: optionalString,
  recordingUrls: z.array(z.unknown()).nullish().catch(null),
  callSid: optionalId,
  partnerId: optionalId,
  shiftId: optionalId,
  assignmentId: optionalId,
  data: z.record(z.string(), z.unknown()).nullish().catch(null),
});

/** A decoded call, or null when the value is not a call object (no string `status`). */
export function decodeCall(value: unknown): TalkstackCall | null {
  const result = callBody.safeParse(value);
  if (!result.success) return null;
  const body = result.data;
  return {
    status: body.status,
    seconds: body.seconds ?? null,
    cost: body.cost ?? null,
    from: body.from ?? null,
    to: body.to ?? null,
    phoneNumber: body.phoneNumber ?? null,
    date: body.date ?? null,
    recordingUrls: body.recordingUrls ? body.recordingUrls.filter((url): url is string => typeof url === 'string') : [],
    callSid: body.callSid ?? null,
    partnerId: body.partnerId ?? null,
    shiftId: body.shiftId ?? null,
    assignmentId: body.assignmentId ?? null,
    data: body.data ?? {},
  };
}

/** Parses JSON text without throwing: undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
