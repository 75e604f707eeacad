/**
 * The standard text an API user reads for each code a call can fail with upstream. The client
 * (client.ts) uses it where a try's failure has nothing more specific to say (an UPSTREAM_ERROR
 * names the HTTP status or says the network failed; a too large body says so); poll sharing
 * (subscriptions/pollMessages.ts), where a failure crosses Redis as its code alone, always uses
 * it: nobody who can write to Redis chooses what a client reads. Never a credential, a URL or an
 * upstream body.
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
