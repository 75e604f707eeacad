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

const optionalString = z.string().catch(null as unknown as string).nullable();
const optionalNumber = z.number().catch(null as unknown as number).nullable();
// Reference ids are opaque: a numeric id is as good as a string one.
const optionalId = z
  .union([z.string(), z.number().transform(String)])
  .catch(null as unknown as string)
  .nullable();

const callBody = z.object({
  status: z.string(),
  seconds: optionalNumber,
  cost: optionalNumber,
  from: optionalString,
  to: optionalString,
  phoneNumber: optionalString,
  date: optionalString,
  recordingUrls: z
    .array(z.unknown())
    .transform((urls) => urls.filter((url): url is string => typeof url === 'string'))
    .catch([]),
  callSid: optionalId,
  partnerId: optionalId,
  shiftId: optionalId,
  assignmentId: optionalId,
  data: z.record(z.string(), z.unknown()).catch({}),
});

/** A decoded call, or null when the value is not a call object (no string `status`). */
export function decodeCall(value: unknown): TalkstackCall | null {
  const result = callBody.safeParse(value);
  return result.success ? (result.data as TalkstackCall) : null;
}

/** Parses JSON text without throwing: undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
