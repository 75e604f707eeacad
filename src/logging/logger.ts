/**
 * Structured logging (pino, JSON lines). Credentials are never logged on purpose; the
 * redaction paths are the safety net for anything that carries request headers by accident.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { YogaLogger } from 'graphql-yoga';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const CENSOR = '[redacted]';
const REDACT_PATHS = [
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  '*.headers.cookie',
  'authorization',
  '*.authorization',
  'apiKey',
  '*.apiKey',
];

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  // Synchronous writes to stdout by default: pino's default stream is asynchronous and
  // flushes at exit with sonic-boom's flushSync, which retries a failed write forever, so a
  // process whose stdout pipe was closed (`… | head`) could never exit. A synchronous stream
  // stops writing at the first EPIPE instead. Log lines are few (failures, start, stop).
  return pino({ level, base: undefined, redact: { paths: REDACT_PATHS, censor: CENSOR } }, destination ?? pino.destination({ dest: 1, sync: true }));
}

/** Yoga's logger interface on top of pino. */
export function yogaLoggerFrom(logger: Logger): YogaLogger {
  const forward =
    (method: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) => {
      const [first, ...rest] = args;
      if (first instanceof Error) logger[method]({ err: first }, first.message);
      else logger[method]({ details: rest.length ? rest : undefined }, String(first));
    };
  return { debug: forward('debug'), info: forward('info'), warn: forward('warn'), error: forward('error') };
}
