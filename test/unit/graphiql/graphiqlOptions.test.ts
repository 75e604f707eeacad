/**
 * What the GraphiQL page tells GraphiQL (graphiql/graphiqlOptions.ts), read from the page
 * Yoga serves, in process through `yoga.fetch`: it sends the CSRF header itself, outside the
 * header editor, and subscribes over SSE; outside demo mode it opens one tab, the generic
 * example, and a tab opened with "+" starts short, every line of both fitting the editor of a
 * 1,280 px window; the schema describes itself for the docs explorer, naming the federation
 * internals as such. (Demo mode's tabs: integration/demo/graphiqlDocument.test.ts.)
 */
import { type DocumentNode, Kind, parse } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { commentLines, NEW_TAB_DOCUMENT, TAB_LINE_MAX } from '../../../src/graphiql/graphiqlOptions.js';
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
  const server = inProcessServer();

  beforeAll(async () => {
    const page = await server.get({}, { accept: 'text/html' });
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

  it('fit every line of the tab and of a new one in the query editor of a 1,280 px window', () => {
    const lines = [...(options.defaultTabs ?? []).map((tab) => tab.query), options.defaultQuery ?? ''].flatMap((document) => document.split('\n'));
    expect(lines.filter((line) => line.length > TAB_LINE_MAX)).toEqual([]);
  });

  it("give GraphiQL's docs explorer a schema description naming the federation internals", async () => {
    // What GraphiQL asks for (Yoga's GraphiQL introspects with schemaDescription).
    const answer = await server.gql('{ __schema { description } }');
    const description = (answer.body.data?.__schema as { description?: string | null } | undefined)?.description ?? '';
    expect(description).toMatch(/^Talkstack call data for dashboards/);
    for (const name of ['_entities', '_service', '_Any', '_Entity', '_Service']) expect(description).toContain(`\`${name}\``);
    expect(description).toMatch(/federation internals, for a gateway/);
  });
});

describe('commentLines', () => {
  it('wraps text into `# ` lines of at most the width, between words, a newline starting a line', () => {
    const text = commentLines('one two three four five six\nseven', 12);
    expect(text).toBe('# one two\n# three four\n# five six\n# seven');
    expect(commentLines(`a ${'x'.repeat(20)} b`, 12)).toBe(`# a\n# ${'x'.repeat(20)}\n# b`);
  });
});
