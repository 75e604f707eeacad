/**
 * Anything thrown out of Yoga's request handler would reach @whatwg-node/server's own fallback,
 * which answers `error.stack` as the body: this plugin (first in graphql/plugins.ts) wraps the
 * handler so it gets a generic 500 instead. The error itself goes to the log (operators may see
 * stacks; clients never).
 */
import type { Plugin } from 'graphql-yoga';
import { errorBody } from '../http/errorAnswer.js';
import type { Logger } from '../logging/logger.js';
import { INTERNAL_ERROR_MESSAGE } from './errorMasking.js';

export function useLastResortErrors(logger: Logger): Plugin {
  type Handler = Parameters<NonNullable<Plugin['onRequest']>>[0]['requestHandler'];
  // Placed first, the plugin always sees Yoga's own handler: wrap it once, not per request.
  let inner: Handler | undefined;
  let guarded: Handler | undefined;
  return {
    onRequest({ requestHandler, setRequestHandler, fetchAPI }) {
      if (requestHandler !== inner || guarded === undefined) {
        inner = requestHandler;
        guarded = async (request, serverContext) => {
          try {
            return await requestHandler(request, serverContext);
          } catch (error) {
            logger.error({ err: error }, 'GraphQL request handler failed');
            const body = errorBody('INTERNAL_SERVER_ERROR', INTERNAL_ERROR_MESSAGE);
            return new fetchAPI.Response(body, { status: 500, headers: { 'content-type': 'application/json; charset=utf-8' } });
          }
        };
      }
      setRequestHandler(guarded);
    },
  };
}
