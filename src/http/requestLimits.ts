/**
 * Request size limits, enforced in the Node HTTP layer before Yoga sees the request:
 * a URL over 8 KiB gets 414, a body over MAX_BODY_BYTES gets 413.
 *
 * Why here and not with Yoga's `maxRequestBodySize`: Yoga's limit wraps every body in a
 * stream pipeline, which measurably slows every request. Nearly all clients send a
 * Content-Length, which is checked for free; only a body without one (chunked) is read
 * here, counted, and handed to Yoga as a buffer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerError } from './errorAnswer.js';

export const MAX_URL_BYTES = 8192;

// The client may still be sending: answerError closes the connection rather than read it.
const refuse = (res: ServerResponse, status: 413 | 414, message: string) => answerError(res, status, 'BAD_REQUEST', message);

const tooLargeMessage = (max: number) => `The request body is larger than ${max} bytes (MAX_BODY_BYTES).`;

/**
 * Answers and returns true when the URL or the declared body is over its limit. A body of
 * unknown length (`hasUndeclaredBody`) still has to go through `readLimitedBody`.
 */
export function refuseOversized(req: IncomingMessage, res: ServerResponse, maxBodyBytes: number): boolean {
  if ((req.url?.length ?? 0) > MAX_URL_BYTES) {
    refuse(res, 414, `The request URL is longer than ${MAX_URL_BYTES} bytes; send the operation in a POST body.`);
    return true;
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBodyBytes) {
    refuse(res, 413, tooLargeMessage(maxBodyBytes));
    return true;
  }
  return false;
}

/** True when the request has a body of unknown length (chunked). */
export function hasUndeclaredBody(req: IncomingMessage): boolean {
  return req.headers['content-length'] === undefined && req.headers['transfer-encoding'] !== undefined;
}

/**
 * Reads a body of unknown length up to `maxBodyBytes` and leaves it on `req.body`, where
 * Yoga's Node adapter takes it instead of the (now consumed) stream. Resolves false after
 * answering 413 when the body is larger.
 */
export function readLimitedBody(req: IncomingMessage, res: ServerResponse, maxBodyBytes: number): Promise<boolean> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      resolve(ok);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        refuse(res, 413, tooLargeMessage(maxBodyBytes));
        req.resume();
        finish(false);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      (req as IncomingMessage & { body?: Buffer }).body = Buffer.concat(chunks, size);
      finish(true);
    });
    req.once('error', () => finish(false));
  });
}
