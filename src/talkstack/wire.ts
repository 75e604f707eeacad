/**
 * The Talkstack "get call data" wire protocol, shared by the client and the simulator.
 * Nothing here is trusted: the client decodes responses in `decode.ts`.
 */

/** Path of the endpoint, relative to `TALKSTACK_API_URL` (which may carry a path prefix of its own). */
export const CALL_PATH = 'call';

/** Body of `POST {TALKSTACK_API_URL}/call`. */
export interface CallRequestBody {
  sid: string;
  projectId: string;
}

/** A 2xx answer as Talkstack documents it; fields may be absent while a call is not finished. */
export interface CallResponseBody {
  status: string;
  seconds?: number;
  cost?: number;
  from?: string;
  to?: string;
  phoneNumber?: string;
  /** RFC 2822, e.g. `Tue, 30 Jan 2024 13:39:53 +0000` */
  date?: string;
  recordingUrls?: string[];
  callSid?: string;
  partnerId?: string;
  shiftId?: string;
  assignmentId?: string;
  /** string answers collected on the call */
  data?: Record<string, string>;
}

/** Header names Talkstack accepts as credentials (lower case, as Node reports them). */
export const AUTHORIZATION_HEADER = 'authorization';
export const API_KEY_HEADER = 'x-api-key';
