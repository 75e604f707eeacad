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

/**
 * The longest line of a tab's document that GraphiQL's query editor shows in a window 1,280 px
 * wide with nothing to scroll sideways. The editor gets half of what the sidebar leaves: beside
 * its line numbers, scrollbar and buttons, 446 px of text at 9 px a character (GraphiQL's 15 px
 * monospace font), so 49 characters show whole; Monaco, as GraphiQL sets it up, does not wrap,
 * and once a line plus 4 columns is wider than that it adds a horizontal scrollbar over the last
 * line in view, hence 45. Measured in Chromium by test/browser/graphiql.test.ts (its 1,280 × 800 page).
 */
export const TAB_LINE_MAX = 45;

/**
 * `text` as GraphQL comment lines (`# …`) of at most {@link TAB_LINE_MAX} characters, broken
 * between words; a `\n` in `text` starts a new line. A word too long for a line gets one of its own.
 */
export function commentLines(text: string, width = TAB_LINE_MAX): string {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '#';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line !== '#' && line.length + 1 + word.length > width) {
        lines.push(line);
        line = '#';
      }
      line += ` ${word}`;
    }
    lines.push(line);
  }
  return lines.join('\n');
}

/** What a tab opened with GraphiQL's "+" starts with. */
export const NEW_TAB_DOCUMENT = `${commentLines('A new tab: write an operation here.\nCtrl+Space completes; the Docs explorer lists every field.')}\n`;

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
export const DEFAULT_TAB_DOCUMENT = `${commentLines('Talkstack calls. Your credential goes in the Headers tab, as one of:\n{ "x-api-key": "..." }\n{ "Authorization": "Bearer ..." }')}
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
