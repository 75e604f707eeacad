/**
 * What an API user reads for each way Talkstack can fail a call: one text per code, used by the
 * client when it classifies a try (client.ts) and by poll sharing when a failure crosses Redis as
 * its code alone (subscriptions/pollMessages.ts), so a follower's subscribers read the holder's
 * words. Never a credential, a URL or an upstream body.
 */
export const FAILURE_MESSAGES = {
  BAD_USER_INPUT: 'Talkstack rejected the request as invalid (400).',
  UNAUTHENTICATED: 'Talkstack did not accept the credential (401).',
  FORBIDDEN: 'The credential may not read this call (403).',
  RATE_LIMITED: 'Talkstack rate limit reached (429); try again later.',
  UPSTREAM_ERROR: 'Talkstack failed to answer.',
  UPSTREAM_TIMEOUT: 'Talkstack did not answer in time.',
  UPSTREAM_BAD_RESPONSE: 'Talkstack answered with something that is not a call.',
} as const;
