/**
 * Turns of the event loop, taken one at a time: each `take()` resolves in a later loop
 * iteration than the one before it, so whatever runs after it lets the loop read other sockets
 * first. Work that would otherwise all run in one tick (answers waiting on one upstream call,
 * a burst of WebSocket messages read at once) is spread over iterations: a large answer per
 * turn (largeAnswerTurns.ts), a WebSocket's query per turn (websocket/graphqlWs.ts).
 */
export interface LoopTurns {
  /** Resolves one `setImmediate` after the previous turn began. */
  take(): Promise<void>;
}

export function loopTurns(): LoopTurns {
  let last: Promise<void> = Promise.resolve();
  return {
    take() {
      // The next immediate is scheduled once the previous one has run: a later iteration.
      const turn = last.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
      last = turn;
      return turn;
    },
  };
}
