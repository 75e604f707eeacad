/**
 * ALLOWED_HOSTS (contract: "Bounded cost per client"): the `Host` values this server answers
 * on. A page on another site can make a browser send requests to this server under a name
 * it controls (DNS rebinding); such a request carries that name as its Host, and with a
 * server holding TALKSTACK_API_KEY it would otherwise read calls with the server's key. The
 * probes' paths are not bound: Kubernetes and load balancers send the pod's address.
 */
import type { IncomingMessage } from 'node:http';

/**
 * The check for `allowed` (lowercased `name[:port]`; a name without a port allows any port),
 * or undefined when every Host is allowed.
 */
export function hostCheck(allowed: readonly string[] | undefined): ((req: IncomingMessage) => boolean) | undefined {
  if (allowed === undefined) return undefined;
  const exact = new Set(allowed);
  const anyPort = new Set(allowed.filter((host) => !/:\d+$/.test(host)));
  return (req) => {
    const host = req.headers.host?.trim().toLowerCase();
    if (!host) return false;
    if (exact.has(host)) return true;
    const port = /:\d+$/.exec(host);
    return port !== null && anyPort.has(host.slice(0, port.index));
  };
}

export const MISDIRECTED = 'This server does not answer for this Host (ALLOWED_HOSTS).';
