/**
 * The GraphiQL page: Yoga's GraphiQL app, loaded from this server's own asset routes
 * (see graphiqlAssets.ts) instead of a CDN.
 */
import { GRAPHIQL_ASSETS_PREFIX } from './graphiqlAssets.js';
import { staleTabRefreshScript } from './staleTabRefresh.js';

/** JSON that is safe inside a <script> element. */
const scriptJson = (value: unknown) =>
  JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderGraphiQLPage(options: Record<string, unknown> & { title?: string; defaultQuery?: string }): string {
  const title = escapeHtml(options.title ?? 'GraphiQL');
  // Yoga's GraphiQL app opens with `query`; `defaultQuery` only fills new tabs.
  const appOptions = { query: options.defaultQuery, ...options };
  const assets = GRAPHIQL_ASSETS_PREFIX;
  const workers = {
    editorWorkerService: `${assets}/editor.worker.js`,
    json: `${assets}/json.worker.js`,
    graphql: `${assets}/graphql.worker.js`,
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<link rel="stylesheet" href="${assets}/graphiql.css">
</head>
<body id="body" class="no-focus-outline">
<noscript>You need to enable JavaScript to use GraphiQL.</noscript>
<div id="root">Loading ${title}…</div>
<script>
const workerUrls = ${scriptJson(workers)};
self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_moduleId, label) => workerUrls[label] ?? workerUrls.editorWorkerService };
</script>
<script>${staleTabRefreshScript(scriptJson(appOptions.query ?? null))}</script>
<script src="${assets}/yoga-graphiql.umd.js"></script>
<script>YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), ${scriptJson(appOptions)});</script>
</body>
</html>`;
}
