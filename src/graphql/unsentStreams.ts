/**
 * A stream Yoga cannot send is closed at once. An incremental result (@defer, @stream) or a
 * subscription is an async iterable, which goes out only as multipart/mixed or
 * text/event-stream; a client whose Accept allows neither (`application/json` alone) gets
 * HTTP 406, but Yoga decides that after executing, and leaves the iterable as it is: never
 * read, never returned. Measured before this: each such subscription kept its registry lease
 * (it counted against MAX_SUBSCRIPTIONS_PER_CREDENTIAL, its poller kept polling) for as long
 * as the connection stayed open, and an incremental query's span and count never closed.
 * Returning the iterable ends it as the client leaving would (leasedStream.ts, envelop's
 * end hooks for tracing and metrics).
 */
import { isAsyncIterable, type Plugin } from 'graphql-yoga';

const ignore = () => {};

export function useUnsentStreamsClosed(): Plugin {
  return {
    // Yoga's own hook, which picks how to send the result from Accept, has run by now.
    onResultProcess({ result, resultProcessor }) {
      if (resultProcessor || !isAsyncIterable(result)) return;
      const iterator = result[Symbol.asyncIterator]();
      void Promise.resolve(iterator.return?.()).catch(ignore);
    },
  };
}
