/**
 * Validates the arguments that name a call before anything is fetched: a malformed sid or a
 * missing or malformed project is the user's mistake and must cost no upstream request.
 *
 * The checks bail out on length first, so a 100,000-character argument costs no more than a
 * short one, and no message ever repeats the offending value (it would end up in responses and
 * logs). Callers may pass `reject` to choose the error object (see resolvers/callLookup.ts,
 * which shares one per operation).
 */
import { BadUserInputError } from './callDataErrors.js';
import type { CallAddress } from './call.js';

const SID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_SID_LENGTH = 64;
export const MAX_PROJECT_ID_CHARACTERS = 128;
// C0, DEL and C1: nothing a project id is made of, and what would forge lines in logs.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

export const MALFORMED_SID = 'Malformed sid: expected 1 to 64 characters of A-Z, a-z, 0-9, "_" or "-".';
const EMPTY_PROJECT_ID = 'projectId must not be empty.';
const LONG_PROJECT_ID = `projectId must be at most ${MAX_PROJECT_ID_CHARACTERS} characters.`;
const CONTROL_IN_PROJECT_ID = 'projectId must not contain control characters.';
const LONE_SURROGATE_IN_PROJECT_ID = 'projectId must be well-formed Unicode (it has a lone surrogate).';
// Half of a UTF-16 pair without its other half: no text encodes it (UTF-8, Redis keys, logs).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const MISSING_PROJECT_ID = 'projectId is required: pass it, or set TALKSTACK_PROJECT_ID on the server.';

export type Reject = (message: string) => Error;

const badUserInput: Reject = (message) => new BadUserInputError(message);

export function isWellFormedSid(sid: string): boolean {
  return sid.length <= MAX_SID_LENGTH && SID.test(sid);
}

/** Characters (code points, so an emoji is one) of `text` are more than `max`. */
function charactersOver(text: string, max: number): boolean {
  // A code point takes one or two UTF-16 units: most strings are decided by their length.
  if (text.length <= max) return false;
  if (text.length > 2 * max) return true;
  let count = 0;
  for (const _ of text) if (++count > max) return true;
  return false;
}

/** Why an explicit `projectId` is malformed, or undefined when it is well formed. */
export function projectIdProblem(projectId: string): string | undefined {
  if (projectId === '') return EMPTY_PROJECT_ID;
  if (charactersOver(projectId, MAX_PROJECT_ID_CHARACTERS)) return LONG_PROJECT_ID;
  if (CONTROL_CHARACTER.test(projectId)) return CONTROL_IN_PROJECT_ID;
  if (LONE_SURROGATE.test(projectId)) return LONE_SURROGATE_IN_PROJECT_ID;
  return undefined;
}

/**
 * `projectId` falls back to the configured default when omitted or null; an explicit empty
 * one is malformed rather than "use the default", so a typo cannot silently read another
 * project. The default (`TALKSTACK_PROJECT_ID`) is the operator's own setting: trusted as is.
 */
export function projectIdOf(
  projectId: string | null | undefined,
  defaultProjectId: string | undefined,
  reject: Reject = badUserInput,
): string {
  if (projectId === null || projectId === undefined) {
    if (defaultProjectId === undefined) throw reject(MISSING_PROJECT_ID);
    return defaultProjectId;
  }
  const problem = projectIdProblem(projectId);
  if (problem !== undefined) throw reject(problem);
  return projectId;
}

export function callAddress(sid: string, projectId: string, reject: Reject = badUserInput): CallAddress {
  if (!isWellFormedSid(sid)) throw reject(MALFORMED_SID);
  return { projectId, sid };
}
