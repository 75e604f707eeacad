/**
 * Cross-origin access (CORS_ORIGINS): only the exact origins listed get CORS headers. An
 * unlisted origin gets none, and its preflight 403. Requests without `Origin` (servers,
 * gateways, curl) and same-origin requests (GraphiQL served by this server) are unaffected.
 *
 * Why in the Node HTTP layer and not with Yoga's `cors` option: Yoga answers every
 * OPTIONS request 204, so an unlisted origin's preflight could not be refused, and it would
 * run an options factory per request. Here a request without `Origin` costs one header
 * lookup, and a preflight is answered without entering Yoga at all.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Config } from '../config/config.js';

export const CORS_ALLOWED_METHODS = 'POST, GET, OPTIONS';
export const CORS_ALLOWED_HEADERS = 'content-type, accept, authorization, x-api-key, x-graphql-yoga-csrf, traceparent';
/** How long a browser may reuse a preflight answer (browsers cap it at 2 h or less). */
const PREFLIGHT_MAX_AGE_SECONDS = '600';

type Scheme = 'http' | 'https';

type OriginList = Pick<Config, 'corsOrigins'>;

// A host name, IPv4 or [IPv6] literal with an optional port: anything else (user info,
// paths, spaces) cannot be the host a browser put in its Origin.
const HOST = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

const DEFAULT_PORT: Readonly<Record<Scheme, string>> = { http: ':80', https: ':443' };

/** `host` lower-cased, without the scheme's default port, as an `Origin` spells it. */
function originHostOf(host: string, scheme: Scheme): string {
  const lower = host.toLowerCase();
  return lower.endsWith(DEFAULT_PORT[scheme]) ? lower.slice(0, -DEFAULT_PORT[scheme].length) : lower;
}

/** True when `origin` is this server's own origin: the same scheme and Host. */
export function isSameOrigin(origin: string, host: string | undefined, scheme: Scheme): boolean {
  if (host === undefined || !HOST.test(host)) return false;
  const prefix = `${scheme}://`;
  return origin.startsWith(prefix) && origin.slice(prefix.length) === originHostOf(host, scheme);
}

/** The first value of a header a proxy may have appended to. */
function firstValue(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  const comma = text.indexOf(',');
  return (comma === -1 ? text : text.slice(0, comma)).trim() || undefined;
}

/**
 * The host the client asked for. A TLS-terminating proxy that rewrites `Host` says the
 * original in `X-Forwarded-Host`; trusting it is safe here because these checks protect
 * browsers, and a browser cannot set that header on a request it sends without a preflight
 * (nor on a WebSocket upgrade).
 */
export const requestHost = (req: IncomingMessage): string | undefined => firstValue(req.headers['x-forwarded-host']) ?? req.headers.host;

/** The scheme the client used: `X-Forwarded-Proto` from a proxy, else this socket's. */
export function requestScheme(req: IncomingMessage): Scheme {
  const forwarded = firstValue(req.headers['x-forwarded-proto'])?.toLowerCase();
  if (forwarded === 'https' || forwarded === 'http') return forwarded;
  return (req.socket as Partial<TLSSocket>).encrypted === true ? 'https' : 'http';
}

/**
 * Whether a WebSocket upgrade with this `Origin` may proceed: no `Origin` (not a browser),
 * a listed origin, or the server's own (same scheme and Host). Refuse the others with 403.
 */
export function isAllowedUpgradeOrigin(origin: string | undefined, host: string | undefined, config: OriginList, scheme: Scheme = 'http'): boolean {
  return origin === undefined || config.corsOrigins.includes(origin) || isSameOrigin(origin, host, scheme);
}

/** `isAllowedUpgradeOrigin` for an upgrade request as it arrived. */
export const isAllowedUpgradeRequest = (req: IncomingMessage, config: OriginList): boolean =>
  isAllowedUpgradeOrigin(req.headers.origin, requestHost(req), config, requestScheme(req));

/**
 * The CORS step of the HTTP handler: call it first for every request. Adds the headers a
 * listed origin gets; answers OPTIONS requests (preflights) itself and returns true when it
 * did, so the request goes no further.
 */
export function corsHandler(config: OriginList): (req: IncomingMessage, res: ServerResponse) => boolean {
  const listed = new Set(config.corsOrigins);
  // With nothing listed no answer depends on Origin, so caches need no Vary either.
  const varies = listed.size > 0;

  return (req, res) => {
    const origin = req.headers.origin;
    if (origin === undefined) {
      if (req.method !== 'OPTIONS') return false;
      // Not a CORS request: answered 204 as Yoga always did, so such clients see no change.
      res.writeHead(204, { 'content-length': '0' }).end();
      return true;
    }
    const allowed = listed.has(origin);
    if (varies) res.setHeader('vary', 'Origin');
    if (req.method !== 'OPTIONS') {
      // Unlisted: no headers, and the browser keeps the answer from the page. The request
      // itself still runs like any request (CSRF prevention covers what a page can send).
      if (allowed) res.setHeader('access-control-allow-origin', origin);
      return false;
    }
    if (allowed) {
      res.writeHead(204, {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': CORS_ALLOWED_METHODS,
        'access-control-allow-headers': CORS_ALLOWED_HEADERS,
        'access-control-max-age': PREFLIGHT_MAX_AGE_SECONDS,
        'content-length': '0',
      });
    } else {
      // Browsers never preflight their own origin, but such an OPTIONS is no attack either.
      res.writeHead(isSameOrigin(origin, requestHost(req), requestScheme(req)) ? 204 : 403, { 'content-length': '0' });
    }
    res.end();
    return true;
  };
}
