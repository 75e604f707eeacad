/**
 * Validates the arguments that name a call before anything is fetched: a malformed sid or a
 * missing project is the user's mistake and must cost no upstream request.
 */
import { BadUserInputError } from '../errors.js';
import type { CallAddress } from './call.js';

const SID = /^[A-Za-z0-9_-]{1,64}$/;

export function isWellFormedSid(sid: string): boolean {
  return SID.test(sid);
}

/**
 * `projectId` falls back to the configured default when omitted or null; an explicit empty
 * one is malformed rather than "use the default", so a typo cannot silently read another
 * project.
 */
export function projectIdOf(projectId: string | null | undefined, defaultProjectId: string | undefined): string {
  if (projectId === '') throw new BadUserInputError('projectId must not be empty.');
  const project = projectId ?? defaultProjectId;
  if (project === undefined) {
    throw new BadUserInputError('projectId is required: pass it, or set TALKSTACK_PROJECT_ID on the server.');
  }
  return project;
}

export function callAddress(sid: string, projectId: string): CallAddress {
  if (!isWellFormedSid(sid)) {
    throw new BadUserInputError('Malformed sid: expected 1 to 64 characters of A-Z, a-z, 0-9, "_" or "-".');
  }
  return { projectId, sid };
}
