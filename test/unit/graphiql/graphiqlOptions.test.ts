/**
 * What the GraphiQL page tells GraphiQL (graphiql/graphiqlOptions.ts), read from the page
 * Yoga serves, in process through `yoga.fetch`: it sends the CSRF header itself, outside the
 * header editor, and subscribes over SSE; outside demo mode it opens one tab, the generic
 * example, and a tab opened with "+" starts short. (Demo mode's tabs:
 * integration/demo/graphiqlDocument.test.ts.)
 */
import { type DocumentNode, Kind, parse } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { NEW_TAB_DOCUMENT } from '../../../src/graphiql/graphiqlOptions.js';
import { CSRF_HEADER } from '../../../src/graphql/yoga.js';
import { inProcessServer } from '../../support/inProcess.js';

interface PageOptions {
  query?: string;
  defaultQuery?: string;
  defaultTabs?: Array<{ query: string }>;
  subscriptionsProtocol?: string;
  additionalHeaders?: Record<string, string>;
  headers?: string;
}

function operationNames(document: DocumentNode): string[] {
  return document.definitions.flatMap((definition) => (definition.kind === Kind.OPERATION_DEFINITION ? [definition.name?.value ?? '(anonymous)'] : []));
}

describe('GraphiQL page options outside demo mode', () => {
  let options: PageOptions;

  beforeAll(async () => {
    const page = await inProcessServer().get({}, { accept: 'text/html' });
    expect(page.status).toBe(200);
    const json = /^const graphiqlOptions = (\{.*\});$/m.exec(page.text)?.[1];
    if (!json) throw new Error('no GraphiQL options in the page');
    options = JSON.parse(json) as PageOptions;
  });

  it('tell GraphiQL to send the CSRF header itself, outside the header editor, and to subscribe over SSE', () => {
    expect(options.additionalHeaders).toEqual({ [CSRF_HEADER]: '1' });
    expect(options.subscriptionsProtocol).toBe('SSE');
    // Nothing in the header editor: the user has nothing to type or see.
    expect(options.headers).toBeUndefined();
  });

  it('open one tab, the generic example; a tab opened with "+" starts short', () => {
    expect(options.defaultTabs?.map((tab) => operationNames(parse(tab.query)))).toEqual([['Call']]);
    expect(options.query).toBe(options.defaultTabs?.[0]?.query);
    expect(options.defaultQuery).toBe(NEW_TAB_DOCUMENT);
  });
});
