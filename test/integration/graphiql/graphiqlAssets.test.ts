/**
 * GraphiQL served by this server alone (graphiql/graphiqlAssets.ts, in the Node layer), over
 * real HTTP: the page loads nothing from a CDN and links only its own assets; each asset is
 * served with its content type, cacheable forever, and nothing outside them; the page's icon
 * (SVG) and /favicon.ico (ICO) are served; with GRAPHIQL=false neither the page nor its assets.
 * (The page's documents: integration/demo/graphiqlDocument.test.ts; in Chromium:
 * test/browser/graphiql.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_ASSETS_PREFIX, GRAPHIQL_FILES } from '../../../src/graphiql/graphiqlAssets.js';
import { startStack, type Stack } from '../../support/stack.js';

describe('GraphiQL and its assets', () => {
  let stack: Stack;
  let page: string;
  beforeAll(async () => {
    stack = await startStack();
    const response = await fetch(`${stack.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    page = await response.text();
  });
  afterAll(() => stack.close());

  it('the page loads nothing from a CDN: every script, style and worker is one of its own assets', async () => {
    expect(page).toContain('YogaGraphiQL');
    expect(page).not.toMatch(/unpkg|jsdelivr|cdnjs|esm\.sh|skypack|cdn\./i);
    // No absolute http(s) URL in a src/href attribute.
    expect(page).not.toMatch(/\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
    const tagAssets = [...page.matchAll(/<(?:link|script)\b[^>]*\b(?:href|src)="([^"]+)"/gi)].map((m) => m[1] as string);
    for (const asset of tagAssets) expect(asset).toMatch(/^\/graphiql\/[^/]+\/[^/]+$/);
    for (const name of Object.keys(GRAPHIQL_FILES)) {
      if (name.endsWith('.css') || name.endsWith('.umd.js')) expect(tagAssets).toContain(`${GRAPHIQL_ASSETS_PREFIX}/${name}`);
    }
    // Workers and the icon too: whatever the page names under /graphiql/ is served here.
    const named = new Set([...page.matchAll(/\/graphiql\/[^"'\s)]+/g)].map((m) => m[0]));
    const served = new Set([...Object.keys(GRAPHIQL_FILES).map((name) => `${GRAPHIQL_ASSETS_PREFIX}/${name}`), `${GRAPHIQL_ASSETS_PREFIX}/favicon.svg`]);
    for (const asset of named) expect(served, asset).toContain(asset);
  });

  it('serves each asset with its content type, cacheable forever, and nothing else under its prefix', async () => {
    for (const name of Object.keys(GRAPHIQL_FILES)) {
      const asset = await fetch(`${stack.url}${GRAPHIQL_ASSETS_PREFIX}/${name}`);
      expect(asset.status, name).toBe(200);
      expect(asset.headers.get('content-type'), name).toMatch(name.endsWith('.css') ? /^text\/css/ : /javascript/);
      expect(asset.headers.get('cache-control')).toContain('immutable');
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
    const missing = await fetch(`${stack.url}${GRAPHIQL_ASSETS_PREFIX}/../../package.json`);
    expect(missing.status).toBe(404);
    await missing.arrayBuffer();
  });

  it('links its icon, served here as SVG, and answers /favicon.ico with an ICO', async () => {
    const href = /<link rel="icon" type="image\/svg\+xml" href="([^"]+)">/.exec(page)?.[1] ?? '';
    expect(href).toMatch(/^\/graphiql\/[^/]+\/favicon\.svg$/);
    const svg = await fetch(`${stack.url}${href}`);
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(await svg.text()).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s\S]*<\/svg>$/);

    const ico = await fetch(`${stack.url}/favicon.ico`);
    expect(ico.status).toBe(200);
    expect(ico.headers.get('content-type')).toBe('image/x-icon');
    const bytes = Buffer.from(await ico.arrayBuffer());
    // ICONDIR: reserved 0, type 1 (icon), one image of 32×32 at 32 bits per pixel.
    expect([...bytes.subarray(0, 8)]).toEqual([0, 0, 1, 0, 1, 0, 32, 32]);
    expect(bytes.readUInt16LE(12)).toBe(32);
    expect(bytes.readUInt32LE(14) + bytes.readUInt32LE(18)).toBe(bytes.length);
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
      await asset.arrayBuffer();
    } finally {
      await stack.close();
    }
  });
});
