/**
 * Serves GraphiQL's own files (from the installed `@graphql-yoga/graphiql` package) so the
 * page works without reaching a CDN. Paths carry the package version, so browsers may cache
 * them forever; each file is gzipped once, on first request, off the event loop.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { FAVICON_ICO, FAVICON_SVG } from './favicon.js';

const gzip = promisify(gzipCallback);
const require = createRequire(import.meta.url);
const packageJsonPath = require.resolve('@graphql-yoga/graphiql/package.json');
const distDir = join(dirname(packageJsonPath), 'dist');
const version = (require(packageJsonPath) as { version: string }).version;

/** URL prefix of the assets, e.g. `/graphiql/4.5.0`. */
export const GRAPHIQL_ASSETS_PREFIX = `/graphiql/${version}`;

/** The icon the page links to; `/favicon.ico` (asked for by browsers on their own) is the same drawing. */
export const FAVICON_PATH = `${GRAPHIQL_ASSETS_PREFIX}/favicon.svg`;

const ICONS = new Map<string, { body: Buffer; contentType: string }>([
  [FAVICON_PATH, { body: FAVICON_SVG, contentType: 'image/svg+xml' }],
  ['/favicon.ico', { body: FAVICON_ICO, contentType: 'image/x-icon' }],
]);

/** Public name → file in the package's dist folder. */
export const GRAPHIQL_FILES = {
  'graphiql.css': 'graphiql.css',
  'yoga-graphiql.umd.js': 'yoga-graphiql.umd.js',
  'editor.worker.js': 'monacoeditorwork/editor.worker.bundle.js',
  'json.worker.js': 'monacoeditorwork/json.worker.bundle.js',
  // The package really names this file with two dots.
  'graphql.worker.js': 'monacoeditorwork/graphql.worker..bundle.js',
} as const;

interface Asset {
  plain: Buffer;
  gzipped: Buffer;
  contentType: string;
}

const loaded = new Map<string, Promise<Asset>>();

function loadAsset(name: keyof typeof GRAPHIQL_FILES): Promise<Asset> {
  let asset = loaded.get(name);
  if (!asset) {
    asset = (async () => {
      const plain = await readFile(join(distDir, GRAPHIQL_FILES[name]));
      const contentType = name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8';
      return { plain, gzipped: await gzip(plain), contentType };
    })();
    // A failed read is retried by the next request rather than cached.
    asset.catch(() => loaded.delete(name));
    loaded.set(name, asset);
  }
  return asset;
}

/** Answers the request when it asks for a GraphiQL asset; returns false to let others answer. */
export function serveGraphiQLAsset(req: IncomingMessage, res: ServerResponse): boolean {
  const url = req.url ?? '';
  if (serveIcon(req, res, url)) return true;
  if (!url.startsWith(`${GRAPHIQL_ASSETS_PREFIX}/`)) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const name = url.slice(GRAPHIQL_ASSETS_PREFIX.length + 1).split('?')[0] as keyof typeof GRAPHIQL_FILES;
  if (!Object.hasOwn(GRAPHIQL_FILES, name)) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
    return true;
  }
  loadAsset(name).then(
    (asset) => {
      const useGzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      const body = useGzip ? asset.gzipped : asset.plain;
      res.writeHead(200, {
        'content-type': asset.contentType,
        'content-length': body.length,
        'cache-control': 'public, max-age=31536000, immutable',
        vary: 'accept-encoding',
        ...(useGzip ? { 'content-encoding': 'gzip' } : {}),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    () => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('GraphiQL asset unavailable');
    },
  );
  return true;
}

function serveIcon(req: IncomingMessage, res: ServerResponse, url: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const icon = ICONS.get(url.split('?')[0] ?? '');
  if (!icon) return false;
  res.writeHead(200, {
    'content-type': icon.contentType,
    'content-length': icon.body.length,
    // Not immutable: the icon may change while GraphiQL's version (the path) does not.
    'cache-control': 'public, max-age=86400',
  });
  res.end(req.method === 'HEAD' ? undefined : icon.body);
  return true;
}
