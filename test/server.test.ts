import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskError } from '../src/graphql/errorMasking.js';
import { UpstreamError } from '../src/calls/callDataErrors.js';
import { GRAPHIQL_ASSETS_PREFIX, GRAPHIQL_FILES } from '../src/graphiql/graphiqlAssets.js';
import { DEMO_CALLS } from '../src/simulator/index.js';
import { startStack, type Stack } from './support/stack.js';

const sid = DEMO_CALLS[0]?.sid as string;

describe('HTTP surface', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('answers /health', async () => {
    const response = await fetch(`${stack.url}/health`);
    expect(response.status).toBe(200);
  });

  it('answers an invalid JSON body with 400 and no parser internals', async () => {
    const response = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'demo-key' },
      body: '{"query": "{ call(sid: \\"secret-ish',
    });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(JSON.parse(text).errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(text).not.toContain('secret-ish');
    expect(text).not.toContain('originalError');
  });

  it('serves queries over GET (with the CSRF header, as any non-browser client can send)', async () => {
    const query = encodeURIComponent(`{ call(sid: "${sid}") { sid status } }`);
    const response = await fetch(`${stack.url}/graphql?query=${query}`, {
      headers: { accept: 'application/json', 'x-api-key': 'demo-key', 'x-graphql-yoga-csrf': '1' },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { call: { sid: string } } };
    expect(body.data.call.sid).toBe(sid);
  });

  it('refuses other methods', async () => {
    const response = await fetch(`${stack.url}/graphql`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(405);
  });

  it('serves the GraphiQL page and its assets from this server, gzipped on request', async () => {
    const page = await fetch(`${stack.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/unpkg|jsdelivr|cdn\./i);
    for (const name of Object.keys(GRAPHIQL_FILES)) {
      if (name.endsWith('.css') || name.endsWith('.umd.js')) expect(html).toContain(`${GRAPHIQL_ASSETS_PREFIX}/${name}`);
      const asset = await fetch(`${stack.url}${GRAPHIQL_ASSETS_PREFIX}/${name}`);
      expect(asset.status, name).toBe(200);
      expect(asset.headers.get('cache-control')).toContain('immutable');
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
    const missing = await fetch(`${stack.url}${GRAPHIQL_ASSETS_PREFIX}/../../package.json`);
    expect(missing.status).toBe(404);
  });
});

describe('GRAPHIQL=false', () => {
  it('serves neither the page nor its assets', async () => {
    const stack = await startStack({ config: { graphiql: false } });
    try {
      const page = await fetch(`${stack.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toContain('YogaGraphiQL');
      const asset = await fetch(`${stack.url}${GRAPHIQL_ASSETS_PREFIX}/graphiql.css`);
      expect(asset.status).toBe(404);
    } finally {
      await stack.close();
    }
  });
});

describe('error masking', () => {
  it('keeps domain errors with their code', () => {
    const located = new GraphQLError('wrapped', { originalError: new UpstreamError('Talkstack failed.'), path: ['call'] });
    const masked = maskError(located) as GraphQLError;
    expect(masked.message).toBe('Talkstack failed.');
    expect(masked.extensions.code).toBe('UPSTREAM_ERROR');
    expect(masked.path).toEqual(['call']);
  });

  it('masks anything unexpected, message and all', () => {
    const located = new GraphQLError('key=SECRET', { originalError: new Error('key=SECRET'), path: ['call'] });
    const masked = maskError(located) as GraphQLError;
    expect(masked.message).toBe('Unexpected error.');
    expect(masked.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(JSON.stringify(masked)).not.toContain('SECRET');
    expect((maskError(new TypeError('SECRET')) as GraphQLError).message).toBe('Unexpected error.');
  });
});
