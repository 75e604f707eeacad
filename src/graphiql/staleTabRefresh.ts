/**
 * A script for the GraphiQL page, run before GraphiQL starts. GraphiQL reopens the tabs kept
 * in localStorage (its `defaultTabs`, the example tabs, only count while it keeps none) and
 * adds a new tab whenever the page's document matches none of them. The demo's examples name
 * the calls live at page load, so they change every few seconds; without this, every reload
 * would add a tab, and the kept example tabs would go on naming calls long finished.
 *
 * So at each load: a tab (or a `?query=` in the URL, which Yoga's GraphiQL writes on every
 * edit and tab switch) still holding the previous load's text of an example, unedited, is
 * given this load's text of the same operation (and loses its stale result). GraphiQL is
 * then told to open the tab that was open, so it finds it instead of adding one: Yoga's
 * GraphiQL opens the page's `query` option, not the URL's, so the script puts the URL's text
 * there (it is the fresher record: GraphiQL stores its tabs only half a second after a
 * change), else the stored open tab's. A tab the user edited keeps its text.
 *
 * The first time a browser sees these examples (nothing recorded yet), the examples missing
 * from its kept tabs are added, and an unedited tab of the earlier single demo document is
 * dropped. A tab the user closes later stays closed.
 */

// GraphiQL's own storage key ("graphiql" namespace, "tabState" entry), as of GraphiQL 5.
const GRAPHIQL_TABS_KEY = 'graphiql:tabState';
/** the example documents of the previous load, as a JSON array */
const LAST_EXAMPLES_KEY = 'talkstack:graphiql:lastExamples';
/** what earlier versions recorded: their single document of several operations */
const OLD_DOCUMENT_KEY = 'talkstack:graphiql:lastDocument';

/**
 * The script's source. `optionsGlobal` names the page's global holding GraphiQL's options:
 * its `defaultTabs` are the examples, and its `query` may be changed to the tab to open.
 */
export function staleTabRefreshScript(optionsGlobal: string): string {
  return `(function (options) {
  var NAME = /^\\s*(?:query|subscription|mutation)\\s+([A-Za-z0-9_]+)/m;
  function operationName(text) {
    var match = typeof text === 'string' ? NAME.exec(text) : null;
    return match ? match[1] : null;
  }
  function readJson(key) {
    try { return JSON.parse(localStorage.getItem(key) || 'null'); } catch (error) { return null; }
  }
  try {
    var examples = (options.defaultTabs || []).map(function (tab) { return tab.query; });
    if (examples.length === 0 || !examples.every(function (text) { return typeof text === 'string'; })) return;
    var last = readJson(${JSON.stringify(LAST_EXAMPLES_KEY)});
    if (!Array.isArray(last)) last = null;
    localStorage.setItem(${JSON.stringify(LAST_EXAMPLES_KEY)}, JSON.stringify(examples));
    // The previous load's text of an example, unedited, becomes this load's (matched by operation name).
    function fresh(text) {
      if (!last || last.indexOf(text) === -1) return text;
      var name = operationName(text);
      for (var i = 0; i < examples.length; i++) if (name !== null && operationName(examples[i]) === name) return examples[i];
      return text;
    }
    var url = new URL(location.href);
    var fromUrl = url.searchParams.get('query');
    if (fromUrl !== null && fresh(fromUrl) !== fromUrl) {
      url.searchParams.set('query', fresh(fromUrl));
      history.replaceState(history.state, '', url);
    }
    var state = readJson(${JSON.stringify(GRAPHIQL_TABS_KEY)});
    if (!state || !Array.isArray(state.tabs)) return;
    state.tabs.forEach(function (tab) {
      if (tab && typeof tab.query === 'string' && fresh(tab.query) !== tab.query) {
        tab.query = fresh(tab.query);
        tab.response = null;
      }
    });
    if (last === null) {
      var old = localStorage.getItem(${JSON.stringify(OLD_DOCUMENT_KEY)});
      localStorage.removeItem(${JSON.stringify(OLD_DOCUMENT_KEY)});
      if (old !== null) state.tabs = state.tabs.filter(function (tab) { return !tab || tab.query !== old; });
      if (state.tabs.length === 0) {
        localStorage.removeItem(${JSON.stringify(GRAPHIQL_TABS_KEY)});
        return;
      }
      examples.forEach(function (text) {
        if (state.tabs.some(function (tab) { return tab && tab.query === text; })) return;
        var name = operationName(text);
        var id = 'example-' + Math.random().toString(16).slice(2) + '-' + Date.now().toString(16);
        state.tabs.push({ id: id, hash: '', title: name || '<untitled>', query: text, variables: null, headers: null, operationName: name, response: null });
      });
    }
    var index = typeof state.activeTabIndex === 'number' ? state.activeTabIndex : 0;
    state.activeTabIndex = Math.min(Math.max(0, index), state.tabs.length - 1);
    var open = state.tabs[state.activeTabIndex];
    var wanted = fromUrl !== null ? fresh(fromUrl) : open && open.query;
    if (typeof wanted === 'string') options.query = wanted;
    localStorage.setItem(${JSON.stringify(GRAPHIQL_TABS_KEY)}, JSON.stringify(state));
  } catch (error) {
    // Storage disabled or full, or GraphiQL's format changed: GraphiQL then just adds a tab.
  }
})(${optionsGlobal});`;
}
