/**
 * What GraphiQL is told at each page load: Yoga calls this factory for every GET of the
 * page, so a document that names live calls is written with the calls live right then.
 */
import type { GraphiQLOptions } from 'graphql-yoga';

export interface GraphiQLPageSettings {
  title: string;
  /** the document the page opens with; a function is called at each page load */
  defaultQuery: string | (() => string);
  /** the header the CSRF plugin requires on requests a browser could send cross-site */
  csrfHeader: string;
}

export function graphiqlOptionsFactory(settings: GraphiQLPageSettings): () => GraphiQLOptions {
  const { title, defaultQuery, csrfHeader } = settings;
  return () => ({
    title,
    defaultQuery: typeof defaultQuery === 'function' ? defaultQuery() : defaultQuery,
    subscriptionsProtocol: 'SSE',
    // GraphiQL subscribes over SSE with a GET (`accept: text/event-stream`), which the CSRF
    // plugin refuses without its header. `additionalHeaders` go with every request GraphiQL
    // sends but are not part of the header editor, so nobody has to type them. The page's own
    // script setting a custom header is exactly what the CSRF check allows: a cross-site form,
    // link or image cannot set one, and a cross-site script cannot without a CORS preflight.
    additionalHeaders: { [csrfHeader]: '1' },
  });
}
