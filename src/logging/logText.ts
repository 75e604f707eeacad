/**
 * Client-supplied text in log lines (a sid, a project id, an operation name…) is clipped:
 * one request must not be able to write kilobytes into every line that names it.
 */
export const LOG_TEXT_MAX_CHARS = 100;

/** `text` when short enough, else its first `max` characters and how many were cut. */
export function clipForLog(text: string, max = LOG_TEXT_MAX_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}…[${text.length - max} more chars]`;
}

/** A URL as logs may show it: scheme, host and path, without user info or query (either may hold a secret). */
export function urlForLog(url: string): string {
  if (!URL.canParse(url)) return '[unparsable URL]';
  const { protocol, host, pathname } = new URL(url);
  return `${protocol}//${host}${pathname === '/' ? '' : pathname}`;
}
