/**
 * Serves the example web dashboard on its own origin (http://localhost:4001), so the page
 * reaches the API cross-origin exactly as a real dashboard would: through CORS_ORIGINS. Its
 * TypeScript is transpiled once at start-up; graphql-sse's browser client and ky (for the
 * dashboards' request helper, examples/graphqlRequest.ts) come from node_modules (no CDN). `/config.json` tells the page where the API is and which demo sids
 * to show (computed per request: live sids change every 20 s).
 *
 *   npm start              # the API on :4000, demo mode
 *   npm run example:web    # this page on :4001
 *
 * EXAMPLE_WEB_PORT (default 4001) and GRAPHQL_URL (default http://localhost:4000/graphql).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { demoPageSids } from '../demoSids.js';

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const SSE_LIB = dirname(require.resolve('graphql-sse')); // lib/: its .mjs files import only each other
/** ky's ESM build (package.json "exports": distribution/index.js), whose files import only each other. */
const KY_DIST = dirname(require.resolve('ky'));

/** The only modules the page loads, by URL (without `.js`) → source under examples/. */
const BROWSER_MODULES = ['web/app', 'callTable', 'graphqlRequest', 'generated/graphql', 'generated/gql', 'generated/index'];
const SSE_MODULES = ['client', 'common', 'parser', 'utils'];

interface Asset {
  body: Buffer;
  type: string;
}

function compileAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const javascript = 'text/javascript; charset=utf-8';
  for (const name of BROWSER_MODULES) {
    const source = readFileSync(join(EXAMPLES, `${name}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, verbatimModuleSyntax: true },
      fileName: `${name}.ts`,
    });
    assets.set(`/${name}.js`, { body: Buffer.from(outputText), type: javascript });
  }
  for (const name of SSE_MODULES) {
    assets.set(`/vendor/graphql-sse/${name}.mjs`, { body: readFileSync(join(SSE_LIB, `${name}.mjs`)), type: javascript });
  }
  // ky: every module of its distribution, at /vendor/ky/… (the page's import map points `ky` at index.js).
  for (const entry of readdirSync(KY_DIST, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
    const file = join(entry.parentPath, entry.name);
    assets.set(`/vendor/ky/${relative(KY_DIST, file).split(sep).join('/')}`, { body: readFileSync(file), type: javascript });
  }
  const page = { body: readFileSync(join(EXAMPLES, 'web/index.html')), type: 'text/html; charset=utf-8' };
  assets.set('/web/', page);
  assets.set('/web/index.html', page);
  assets.set('/web/style.css', { body: readFileSync(join(EXAMPLES, 'web/style.css')), type: 'text/css; charset=utf-8' });
  return assets;
}

export interface WebExampleOptions {
  port?: number;
  host?: string;
  /** the API the page queries, as the browser reaches it */
  apiUrl?: string;
  /** the sids the page shows (default: the demo's, at each page load) */
  sids?: () => readonly string[];
}

export interface WebExample {
  /** the page, e.g. http://localhost:4001/web/ */
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startWebExample(options: WebExampleOptions = {}): Promise<WebExample> {
  const assets = compileAssets();
  const apiUrl = options.apiUrl ?? 'http://localhost:4000/graphql';
  const sids = options.sids ?? (() => demoPageSids({ errors: true }));
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/' || path === '/web') {
      res.writeHead(302, { location: '/web/' }).end();
      return;
    }
    if (path === '/config.json') {
      const body = JSON.stringify({ apiUrl, sids: sids() });
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body);
      return;
    }
    const asset = assets.get(path);
    if (!asset) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    res.writeHead(200, { 'content-type': asset.type, 'content-length': asset.body.length, 'cache-control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4001, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}/web/`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const port = Number(process.env.EXAMPLE_WEB_PORT ?? 4001);
  const apiUrl = process.env.GRAPHQL_URL ?? 'http://localhost:4000/graphql';
  startWebExample({ port, apiUrl }).then(
    (example) => {
      console.log(`Example dashboard on ${example.url} (API: ${apiUrl}, which must list this origin in CORS_ORIGINS; demo mode lists http://localhost:4001)`);
      const stop = () => void example.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error: NodeJS.ErrnoException) => {
      console.error(error.code === 'EADDRINUSE' ? `Port ${port} is in use: set EXAMPLE_WEB_PORT to another.` : error.message);
      process.exit(1);
    },
  );
}
