/**
 * The GraphiQL page: Yoga's GraphiQL app, loaded from this server's own asset routes
 * (see graphiqlAssets.ts) instead of a CDN, with its icon and one tab per example document.
 */
import { FAVICON_PATH, GRAPHIQL_ASSETS_PREFIX } from './graphiqlAssets.js';
import { staleTabRefreshScript } from './staleTabRefresh.js';

/** The faces of GraphiQL's text font (graphiql.css) its tabs are laid out with. */
const GRAPHIQL_FONTS = ['400 1em Roboto', '500 1em Roboto'];

/** The page's global holding GraphiQL's options (tests read it from the page). */
export const GRAPHIQL_OPTIONS_GLOBAL = 'graphiqlOptions';

/** JSON that is safe inside a <script> element. */
const scriptJson = (value: unknown) =>
  JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderGraphiQLPage(options: Record<string, unknown> & { title?: string }): string {
  const title = escapeHtml(options.title ?? 'GraphiQL');
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
<link rel="icon" type="image/svg+xml" href="${FAVICON_PATH}">
<link rel="stylesheet" href="${assets}/graphiql.css">
</head>
<body id="body" class="no-focus-outline">
<noscript>You need to enable JavaScript to use GraphiQL.</noscript>
<div id="root">Loading ${title}…</div>
<script>
const workerUrls = ${scriptJson(workers)};
self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_moduleId, label) => workerUrls[label] ?? workerUrls.editorWorkerService };
</script>
<script>
const ${GRAPHIQL_OPTIONS_GLOBAL} = ${scriptJson(options)};
${staleTabRefreshScript(GRAPHIQL_OPTIONS_GLOBAL)}
</script>
<script src="${assets}/yoga-graphiql.umd.js"></script>
<script>
// GraphiQL's tabs animate to their places (framer-motion); when its text font swaps in after
// they are laid out, they keep a stale offset that shows once a tab takes focus, so the first
// click on a tab moves it from under the pointer and is lost. Its font is inline CSS: load
// it first.
Promise.all(${scriptJson(GRAPHIQL_FONTS)}.map((font) => document.fonts.load(font)))
  .catch(() => undefined)
  .then(() => YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), ${GRAPHIQL_OPTIONS_GLOBAL}));
</script>
</body>
</html>`;
}
