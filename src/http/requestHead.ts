/**
 * The request head, checked and normalized in the Node layer before anything else reads it.
 *
 * Yoga's Node adapter (@whatwg-node/server) builds each request's URL as
 * `http://${Host}${req.url}` and answers a URL it cannot parse with a 500 whose body is the
 * stack trace. Two valid or merely odd heads broke it: a request line in absolute form
 * (`GET http://host/graphql HTTP/1.1`, which proxies send and RFC 9112 §3.2.2 requires
 * servers to accept) and a malformed Host. So here an absolute-form target becomes its path
 * and its authority the Host (the RFC says to ignore the Host header then); any other target
 * or Host that would not make a sound URL gets 400.
 *
 * Credentials: Node keeps the first of several `Authorization` headers and joins several
 * `x-api-key` headers with ", ", so a request sending one twice would run with a credential
 * nobody sent. The contract refuses it (HTTP 400, BAD_REQUEST, nothing executes).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerError } from './errorAnswer.js';

const BAD_REQUEST = 'BAD_REQUEST';

/** reg-name (RFC 3986, without percent-encoding) or an IP literal, and an optional port. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=]+)(?::\d{0,5})?$/;
const ABSOLUTE_HTTP = /^https?:\/\//i;

// Nearly every request of a deployment carries the same Host: check a new one only.
let lastGoodHost = '';

function isUsableHost(host: string): boolean {
  if (host === lastGoodHost) return true;
  // The pattern keeps out what would move the URL's path (`/`, `?`, `#`, `@`); the parser
  // refuses what it would anyway (a port over 65535, `1.2.3.999`).
  if (!HOST.test(host) || !URL.canParse(`http://${host}/`)) return false;
  lastGoodHost = host;
  return true;
}

/** The first header name sent more than once among those that must be unique, if any. */
function duplicatedHeader(rawHeaders: readonly string[], checkHost: boolean): string | undefined {
  let host = 0;
  let authorization = 0;
  let apiKey = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    // Only names of a matching length are lowercased: most headers cost one comparison.
    if (name.length === 4) {
      if (checkHost && name.toLowerCase() === 'host' && ++host > 1) return 'Host';
    } else if (name.length === 13) {
      if (name.toLowerCase() === 'authorization' && ++authorization > 1) return 'Authorization';
    } else if (name.length === 9) {
      if (name.toLowerCase() === 'x-api-key' && ++apiKey > 1) return 'x-api-key';
    }
  }
  return undefined;
}

/**
 * Normalizes the head in place for Yoga, or answers and returns false. After it, `req.url`
 * starts with `/` and `http://${host}${url}` parses.
 */
export function checkRequestHead(req: IncomingMessage, res: ServerResponse): boolean {
  const target = req.url ?? '/';
  const originForm = target.startsWith('/');
  if (!originForm) {
    if (target === '*') {
      // `OPTIONS *` asks about the server as a whole; nothing else may use `*`.
      if (req.method === 'OPTIONS') res.writeHead(204, { allow: 'GET, POST, OPTIONS', 'content-length': 0 }).end();
      else answerError(res, 400, BAD_REQUEST, 'The request target "*" is only valid for OPTIONS.');
      return false;
    }
    if (!ABSOLUTE_HTTP.test(target) || !URL.canParse(target)) {
      answerError(res, 400, BAD_REQUEST, 'The request target must be a path or an absolute http(s) URL.');
      return false;
    }
    const url = new URL(target);
    req.url = url.pathname + url.search;
    req.headers.host = url.host;
  }

  const duplicated = duplicatedHeader(req.rawHeaders, originForm);
  if (duplicated !== undefined) {
    const message =
      duplicated === 'Host'
        ? 'The Host header is sent more than once.'
        : `The ${duplicated} header is sent more than once; send each credential header once.`;
    answerError(res, 400, BAD_REQUEST, message);
    return false;
  }

  const host = req.headers.host;
  // No Host at all is legal in HTTP/1.0 (Node refuses it in 1.1); Yoga then uses the local address.
  if (host !== undefined && !isUsableHost(host)) {
    answerError(res, 400, BAD_REQUEST, 'The Host header is not a valid host[:port].');
    return false;
  }
  return true;
}
