/**
 * What GraphiQL is told at each page load: Yoga calls this factory for every GET of the
 * page, so documents that name live calls are written with the calls live right then.
 */
import type { GraphiQLOptions } from 'graphql-yoga';

/** An example tab: its document, and the headers it is sent with when they are not GraphiQL's defaults. */
export type GraphiQLTab = string | { readonly query: string; readonly headers: Readonly<Record<string, string>> };

export interface GraphiQLPageSettings {
  title: string;
  /** the example tabs, the first opened first; a function is called at each page load */
  tabs: readonly GraphiQLTab[] | (() => readonly GraphiQLTab[]);
  /** the header the CSRF plugin requires on requests a browser could send cross-site */
  csrfHeader: string;
}

/** Yoga's options plus `query`, the document Yoga's GraphiQL app opens with (graphiqlPage.ts). */
export type GraphiQLPageOptions = GraphiQLOptions & { query?: string };

/** What a tab opened with GraphiQL's "+" starts with. */
export const NEW_TAB_DOCUMENT = '# A new tab: write an operation here (Ctrl+Space completes, the Docs explorer lists every field).\n';

export function graphiqlOptionsFactory(settings: GraphiQLPageSettings): () => GraphiQLPageOptions {
  const { title, tabs, csrfHeader } = settings;
  return () => {
    const examples = typeof tabs === 'function' ? tabs() : tabs;
    const defaultTabs = examples.map((tab) => (typeof tab === 'string' ? { query: tab } : { query: tab.query, headers: JSON.stringify(tab.headers, null, 2) }));
    return {
      title,
      // Used only while the browser keeps no tabs of its own; staleTabRefresh.ts keeps kept
      // tabs current and may open another of them than the first.
      defaultTabs,
      query: defaultTabs[0]?.query,
      defaultQuery: NEW_TAB_DOCUMENT,
      subscriptionsProtocol: 'SSE',
      // GraphiQL subscribes over SSE with a GET (`accept: text/event-stream`), which the CSRF
      // plugin refuses without its header. `additionalHeaders` go with every request GraphiQL
      // sends but are not part of the header editor, so nobody has to type them. The page's own
      // script setting a custom header is exactly what the CSRF check allows: a cross-site form,
      // link or image cannot set one, and a cross-site script cannot without a CORS preflight.
      additionalHeaders: { [csrfHeader]: '1' },
    };
  };
}

/** GraphiQL's one tab outside demo mode (demo mode writes its own: demo/demoTabs.ts). */
export const DEFAULT_TAB_DOCUMENT = `# Talkstack calls. Pass your credential in the Headers tab:
# { "x-api-key": "..." } or { "Authorization": "Bearer ..." }
query Call($sid: ID!, $projectId: ID) {
  call(sid: $sid, projectId: $projectId) {
    sid
    status
    isFinal
    durationSeconds
    cost
    date
    recordings { url format }
  }
}
`;
