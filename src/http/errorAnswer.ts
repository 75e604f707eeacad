/**
 * The answers the Node layer gives on its own, before or instead of Yoga: the same JSON
 * shape as a GraphQL error (`errors[].extensions.code`), a short message written by this
 * server, and never anything from the failure itself (no stack, no path, no input).
 */
import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

export function errorBody(code: string, message: string): string {
  return JSON.stringify({ errors: [{ message, extensions: { code } }] });
}

/**
 * Answers `status` with one coded error and closes the connection: whatever made the
 * request unusable may also have left unread bytes on it.
 */
export function answerError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = errorBody(code, message);
  res
    .writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    })
    .end(body);
}

/**
 * The same answer written straight to a socket, for requests Node's parser refused: there
 * is no ServerResponse for those. The socket is destroyed after the write, as Node's own
 * handler does: the peer may keep sending bytes that can no longer be framed.
 */
export function writeErrorToSocket(socket: Socket, status: number, code: string, message: string): void {
  const body = errorBody(code, message);
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'content-type: application/json; charset=utf-8\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      'connection: close\r\n\r\n' +
      body,
  );
  socket.destroy();
}
