/**
 * CSRF prevention: Yoga's plugin decides (a GET, or a POST with a content type a browser may
 * send cross-site without a preflight, must carry the header), and this wraps it so its 403
 * says what to do and carries `extensions.code` CSRF_HEADER_REQUIRED like every other error
 * answer of `/graphql` (the plugin's own error has no code).
 */
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export const CSRF_HEADER_REQUIRED = 'CSRF_HEADER_REQUIRED';

export function useCsrfPrevention(header: string): Plugin {
  const decides = useCSRFPrevention({ requestHeaders: [header] });
  const message = `This request could be sent by another site without your consent: add the header \`${header}\` (any value), or send JSON (content-type: application/json).`;
  return {
    onRequestParse(payload) {
      try {
        return decides.onRequestParse?.(payload);
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        throw new GraphQLError(message, { extensions: { code: CSRF_HEADER_REQUIRED, http: { status: 403 } } });
      }
    },
  };
}
