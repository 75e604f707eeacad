/**
 * docs/architecture.md names modules: each must exist, so the page cannot drift from the code
 * (a path names its file; a bare `name.ts` must be a file somewhere in src/, schema/ or resolvers/).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [relative(ROOT, join(ROOT, dir, entry.name))],
  );
}

describe('docs/architecture.md', () => {
  const page = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
  const known = new Set(['src', 'schema', 'resolvers'].flatMap(filesUnder).map((path) => path.split('/').pop()));

  it('names only modules and folders that exist', () => {
    const paths = [...page.matchAll(/\b((?:src|schema|resolvers|test)\/[\w./-]*[\w/])/g)].map((match) => (match[1] as string).replace(/<[^>]*>.*/, ''));
    expect(paths.length).toBeGreaterThan(20);
    for (const path of new Set(paths)) if (!path.includes('<')) expect(existsSync(join(ROOT, path)), path).toBe(true);
    const bare = [...page.matchAll(/(?<![\w/])([a-zA-Z]+\.ts)\b/g)].map((match) => match[1] as string);
    for (const name of new Set(bare)) expect(known.has(name), name).toBe(true);
  });
});
