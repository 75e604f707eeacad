/**
 * The docs name files of this repository; each must exist, so no page can drift from the code:
 * - docs/architecture.md: every path (src/…, schema/…, resolvers/…, test/…) and every bare
 *   module name (`name.ts`, a file somewhere in src/, schema/ or resolvers/);
 * - README.md: every path to a committed file (`…/name.ts`, `.md`, `.graphql`, `.json`), such as
 *   the tests it quotes figures from. Build outputs (dist/) and bench results are not committed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [relative(ROOT, join(ROOT, dir, entry.name))],
  );
}

describe('paths the docs name', () => {
  it('docs/architecture.md names only modules and folders that exist', () => {
    const page = read('docs/architecture.md');
    const known = new Set(['src', 'schema', 'resolvers'].flatMap(filesUnder).map((path) => path.split('/').pop()));
    const paths = [...page.matchAll(/\b((?:src|schema|resolvers|test)\/[\w./-]*[\w/])/g)].map((match) => match[1] as string);
    expect(paths.length).toBeGreaterThan(20);
    for (const path of new Set(paths)) expect(existsSync(join(ROOT, path)), path).toBe(true);
    const bare = [...page.matchAll(/(?<![\w/])([a-zA-Z]+\.ts)\b/g)].map((match) => match[1] as string);
    for (const name of new Set(bare)) expect(known.has(name), name).toBe(true);
  });

  it('README.md names only committed files that exist', () => {
    const readme = read('README.md');
    const paths = [...readme.matchAll(/(?<![\w/])((?:src|schema|resolvers|test|bench|scripts|examples|docs)\/[\w./-]*\.(?:ts|md|graphql|json))\b/g)]
      .map((match) => match[1] as string)
      .filter((path) => !path.startsWith('bench/results/'));
    expect(paths.length).toBeGreaterThan(10);
    for (const path of new Set(paths)) expect(existsSync(join(ROOT, path)), path).toBe(true);
  });
});
