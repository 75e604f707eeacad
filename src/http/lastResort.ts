/**
 * Last-resort answers, so that no failure, expected or not, ever shows a client a stack
 * trace or a file path:
 *
 * - requests Node's parser refuses (a garbage request line, a header it cannot read, a
 *   request that took longer than the server's timeouts) get a short JSON answer instead of
 *   Node's bodiless one;
 * - anything thrown by the Node-layer handler gets a generic 500 (what escapes Yoga's own
 *   handler: graphql/lastResortErrors.ts).
 *
 * The error itself goes to the log (operators may see stacks; clients never).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../logging/logger.js';
import { INTERNAL_ERROR_MESSAGE } from '../graphql/errorMasking.js';
import { answerError, writeErrorToSocket } from './errorAnswer.js';

const INTERNAL = 'INTERNAL_SERVER_ERROR';

interface ParserError extends Error {
  code?: string;
}

/** Node's 'clientError' handler: what its parser refused, answered briefly. */
export function answerClientError(error: ParserError, socket: Socket): void {
  // A response of this connection may already be on its way: writing now would corrupt it.
  const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || current?.headersSent) {
    socket.destroy();
    return;
  }
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      writeErrorToSocket(socket, 431, 'BAD_REQUEST', 'The request headers are too large.');
      return;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      writeErrorToSocket(socket, 408, 'BAD_REQUEST', 'The request was not received in time.');
      return;
    default:
      writeErrorToSocket(socket, 400, 'BAD_REQUEST', 'The request is not valid HTTP.');
  }
}

function answerInternalError(res: ServerResponse): void {
  if (res.headersSent) {
    // Too late for a status: cut the answer rather than leave it hanging.
    res.destroy();
    return;
  }
  answerError(res, 500, INTERNAL, INTERNAL_ERROR_MESSAGE);
}

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** The Node-layer handler, with any throw answered by a generic 500 and logged. */
export function guardRequests(listener: RequestListener, logger: Logger): RequestListener {
  return (req, res) => {
    try {
      listener(req, res);
    } catch (error) {
      logger.error({ err: error }, 'request handler failed');
      answerInternalError(res);
    }
  };
}
