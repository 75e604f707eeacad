/**
 * For files that start several compiled servers at once (test/support/serverProcess.ts starts
 * them): processes starting beside each other share the machine, so each gets twice the bound
 * of a single start. Waits stay bounded.
 */
import { BANNER_URL, type Running, START_TIMEOUT_MS, waitFor } from './serverProcess.js';

/** The bound of one start among others. */
export const SHARED_START_TIMEOUT_MS = 2 * START_TIMEOUT_MS;

/** The base URL from the start-up banner, once printed (bounded by SHARED_START_TIMEOUT_MS). */
export function waitForSharedStart(running: Running): Promise<string> {
  return waitFor(
    'the start-up banner',
    () => {
      if (running.hasExited) throw new Error(`it exited.\nstdout:\n${running.stdout()}\nstderr:\n${running.stderr()}`);
      return BANNER_URL.exec(running.stdout())?.[1];
    },
    SHARED_START_TIMEOUT_MS,
  );
}
