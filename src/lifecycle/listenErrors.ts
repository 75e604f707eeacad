/**
 * Why the server could not listen, in one line a newcomer can act on, instead of Node's
 * stack trace. Only the usual causes are named; anything else is left to the caller.
 */
interface SystemError extends Error {
  code?: string;
}

export function describeListenError(error: unknown, port: number, host: string): string | undefined {
  switch ((error as SystemError | undefined)?.code) {
    case 'EADDRINUSE':
      return `Port ${port} is already in use (PORT); stop the other process or set PORT to a free port, e.g. PORT=${port === 4000 ? 4002 : 4000} npm start.`;
    case 'EACCES':
      return `Port ${port} needs privileges this process does not have (PORT); use a port above 1023, e.g. PORT=4000.`;
    case 'EADDRNOTAVAIL':
      return `HOST ${host} is not an address of this machine; use 0.0.0.0 (every interface) or 127.0.0.1.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HOST ${host} could not be resolved; use an IP address such as 0.0.0.0 or 127.0.0.1.`;
    default:
      return undefined;
  }
}
