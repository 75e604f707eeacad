/**
 * A script for the GraphiQL page, run before GraphiQL starts. GraphiQL reopens the tabs kept
 * in localStorage and adds a new tab whenever the page's document matches none of them. The
 * demo document names the calls live at page load, so it changes every few seconds; without
 * this, every reload would add a tab. A tab still holding the previous load's document,
 * unedited, is given the new one instead (and loses its stale result).
 *
 * Only that case is touched: a tab the user edited keeps its text, and a `?query=` in the
 * URL (GraphiQL's own way to reopen an edited document) wins as usual.
 */

// GraphiQL's own storage key ("graphiql" namespace, "tabState" entry), as of GraphiQL 5.
const GRAPHIQL_TABS_KEY = 'graphiql:tabState';
const LAST_DOCUMENT_KEY = 'talkstack:graphiql:lastDocument';

/** The script's source; `documentJson` is the page's document as script-safe JSON. */
export function staleTabRefreshScript(documentJson: string): string {
  return `(function (current) {
  try {
    if (typeof current !== 'string' || new URL(location.href).searchParams.has('query')) return;
    var last = localStorage.getItem(${JSON.stringify(LAST_DOCUMENT_KEY)});
    localStorage.setItem(${JSON.stringify(LAST_DOCUMENT_KEY)}, current);
    if (last === null || last === current) return;
    var state = JSON.parse(localStorage.getItem(${JSON.stringify(GRAPHIQL_TABS_KEY)}) || 'null');
    if (!state || !Array.isArray(state.tabs)) return;
    var changed = false;
    state.tabs.forEach(function (tab) {
      if (tab && tab.query === last) {
        tab.query = current;
        tab.response = null;
        changed = true;
      }
    });
    if (changed) localStorage.setItem(${JSON.stringify(GRAPHIQL_TABS_KEY)}, JSON.stringify(state));
  } catch (error) {
    // Storage disabled or full, or GraphiQL's format changed: GraphiQL then just adds a tab.
  }
})(${documentJson});`;
}
