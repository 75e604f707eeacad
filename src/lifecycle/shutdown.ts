/**
 * The stop sequence of the process (contract: "Stopping"), on SIGTERM or SIGINT:
 *
 * 1. drain: /readiness turns 503, open subscriptions complete, answers close their
 *    connections; new requests are still served for SHUTDOWN_DELAY_MS, so a load balancer
 *    sees the 503 and takes the instance out before it stops accepting connections;
 * 2. the listener closes; requests in flight get up to SHUTDOWN_GRACE_MS to finish, each
 *    connection is closed once idle, what still runs then is cut; the upstream client closes;
 * 3. whatever else the process runs (the demo simulator) closes; exit 0.
 *
 * A second signal exits at once with 128 + the signal's number (130 for SIGINT, 143 for
 * SIGTERM, as shells report a process killed by it): whoever sends it wants the process gone
 * now, and must be able to tell that it did not stop cleanly.
 */
import { constants } from 'node:os';

export type StopSignal = 'SIGTERM' | 'SIGINT';

export interface Stoppable {
  drain(): void;
  close(graceMs: number): Promise<void>;
}

export interface ShutdownOptions {
  server: Stoppable;
  delayMs: number;
  graceMs: number;
  /** closed after the server, in order */
  alsoClose?: ReadonlyArray<() => Promise<void>>;
  /** one line per step, for operators */
  log: (message: string, fields?: Record<string, unknown>) => void;
  exit: (code: number) => void;
}

/** Time the closing steps may take beyond the delay and grace periods before giving up. */
export const SHUTDOWN_SLACK_MS = 5_000;

export const exitCodeForSignal = (signal: StopSignal): number => 128 + constants.signals[signal];

/**
 * The sequence as a function of the signals received: call `stop` for each. The first runs
 * the sequence (its promise settles when it is done); any later one exits at once.
 */
export function shutdownSequence({ server, delayMs, graceMs, alsoClose = [], log, exit }: ShutdownOptions) {
  let stopping = false;

  async function run(signal: StopSignal): Promise<void> {
    log(`${signal}: stopping; /readiness answers 503, new requests are still served for ${delayMs} ms`, {
      signal,
      shutdownDelayMs: delayMs,
      shutdownGraceMs: graceMs,
    });
    // If a step hangs anyway (it should not: every one is bounded), do not hang with it.
    const deadline = setTimeout(() => {
      log('stopping took too long; exiting', { exitCode: 1 });
      exit(1);
    }, delayMs + graceMs + SHUTDOWN_SLACK_MS);
    deadline.unref();
    try {
      server.drain();
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      log(`closing the listener; requests in flight get up to ${graceMs} ms to finish`);
      await server.close(graceMs);
      for (const close of alsoClose) await close();
      clearTimeout(deadline);
      log('stopped', { exitCode: 0 });
      exit(0);
    } catch (error) {
      clearTimeout(deadline);
      log(`stopping failed: ${error instanceof Error ? error.message : String(error)}`, { exitCode: 1 });
      exit(1);
    }
  }

  return {
    stop(signal: StopSignal): Promise<void> {
      if (stopping) {
        const code = exitCodeForSignal(signal);
        log(`${signal} again: exiting at once`, { exitCode: code });
        exit(code);
        return Promise.resolve();
      }
      stopping = true;
      return run(signal);
    },
  };
}

/** Runs the sequence on this process's SIGTERM and SIGINT. */
export function installShutdown(options: ShutdownOptions): void {
  const { stop } = shutdownSequence(options);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void stop(signal));
}
