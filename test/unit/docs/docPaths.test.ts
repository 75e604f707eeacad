/**
 * The docs name files of this repository; each must exist, so no page can drift from the code:
 * - docs/architecture.md: every path (src/…, schema/…, resolvers/…, test/…) and every bare
 *   module name (`name.ts`, a file somewhere in src/, schema/, resolvers/ or examples/, or at
 *   the root);
 * - README.md and every page of docs/ (and bench/README.md): every path to a committed file
 *   (`…/name.ts`, `.md`, `.graphql`, `.json`), such as the tests they quote figures from. Build
 *   outputs (dist/) and bench results are not committed;
 * - every relative Markdown link of those pages leads to a file that exists, and its `#anchor`,
 *   if any, to a heading of that file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [relative(ROOT, join(ROOT, dir, entry.name))],
  );
}

/** README.md, bench/README.md and every Markdown page under docs/. */
const PAGES = ['README.md', 'bench/README.md', ...filesUnder('docs').filter((path) => path.endsWith('.md'))];

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces as `-`. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a page's headings (outside fenced code). */
function anchorsOf(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchorOf(match[1] as string)));
}

describe('paths the docs name', () => {
  it('docs/architecture.md names only modules and folders that exist', () => {
    const page = read('docs/architecture.md');
    const rootFiles = readdirSync(ROOT, { withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name);
    const known = new Set([...['src', 'schema', 'resolvers', 'examples'].flatMap(filesUnder).map((path) => path.split('/').pop()), ...rootFiles]);
    const paths = [...page.matchAll(/\b((?:src|schema|resolvers|test)\/[\w./-]*[\w/])/g)].map((match) => match[1] as string);
    expect(paths.length).toBeGreaterThan(20);
    for (const path of new Set(paths)) expect(existsSync(join(ROOT, path)), path).toBe(true);
    const bare = [...page.matchAll(/(?<![\w/.])([a-zA-Z]+\.ts)\b/g)].map((match) => match[1] as string);
    for (const name of new Set(bare)) expect(known.has(name), name).toBe(true);
  });

  it.each(PAGES)('%s names only committed files that exist', (pagePath) => {
    const page = read(pagePath);
    const paths = [...page.matchAll(/(?<![\w/.])((?:src|schema|resolvers|test|bench|scripts|examples|docs)\/[\w./-]*\.(?:ts|md|graphql|json))\b/g)]
      .map((match) => match[1] as string)
      .filter((path) => !path.startsWith('bench/results/'));
    if (pagePath === 'README.md') expect(paths.length).toBeGreaterThan(10);
    for (const path of new Set(paths)) expect(existsSync(join(ROOT, path)), `${pagePath}: ${path}`).toBe(true);
  });

  it.each(PAGES)('%s links only to files and headings that exist', (pagePath) => {
    const page = read(pagePath);
    const links = [...page.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] as string).filter((link) => !/^[a-z]+:/.test(link));
    for (const link of links) {
      const [file = '', anchor] = link.split('#');
      const target = file === '' ? pagePath : join(dirname(pagePath), file);
      expect(existsSync(join(ROOT, target)), `${pagePath}: ${link}`).toBe(true);
      if (anchor !== undefined && target.endsWith('.md')) expect(anchorsOf(read(target)).has(anchor), `${pagePath}: ${link}`).toBe(true);
    }
  });

  it('the README links every page of docs/', () => {
    const readme = read('README.md');
    for (const page of PAGES.filter((path) => path.startsWith('docs/'))) expect(readme, page).toContain(`](${page}`);
  });
});
