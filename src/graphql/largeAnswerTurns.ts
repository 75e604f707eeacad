/**
 * Large answers are written out one per turn of the event loop. Serializing and writing an
 * answer of several MB is one synchronous stretch (JSON text, its UTF-8 length, the socket
 * write: ~140 ms for 8 MB here), and answers waiting on the same upstream call all complete in
 * the same tick: 8 requests for one large call held the loop for 1.3 s, and `/health` with it.
 * Taking turns (each large answer waits for the previous one, then for `setImmediate`) lets the
 * loop read sockets between them, so other requests wait at most about one large answer.
 *
 * responseSize.ts marks the requests whose answer's estimated size passes a threshold (the
 * request, not the result: later plugins replace the result object); nothing else waits, so
 * ordinary answers never pay for this.
 */
import type { Plugin } from 'graphql-yoga';
import { loopTurns } from './loopTurns.js';

const large = new WeakSet<object>();

/** The answer to `request` is large: it waits for its turn before it is written. */
export function markLarge(request: object): void {
  large.add(request);
}

export function useLargeAnswersInTurn(): Plugin {
  const turns = loopTurns();
  return {
    onResultProcess({ request }) {
      return large.has(request) ? turns.take() : undefined;
    },
  };
}
