/**
 * The fenced code blocks of a Markdown page, read from the page itself: language, body,
 * 1-based line of the opening fence, and the block right after it when only whitespace lies
 * between (a query's answer). Fences may be indented (inside a list item); the indentation is
 * taken off the body.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface DocBlock {
  lang: string;
  body: string;
  /** 1-based line of the opening fence */
  line: number;
  /** the block right below this one, when nothing but whitespace is between them */
  next?: DocBlock;
}

const FENCE = /^([ \t]*)```(\w*)\n([\s\S]*?)^\1```[ \t]*$/gm;

export const docPage = (path: string): string => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');

export function docBlocks(markdown: string): DocBlock[] {
  const found = [...markdown.matchAll(FENCE)].map((match) => {
    const indent = match[1] ?? '';
    const body = (match[3] ?? '')
      .split('\n')
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
      .join('\n');
    return {
      block: { lang: match[2] ?? '', body, line: markdown.slice(0, match.index).split('\n').length } as DocBlock,
      start: match.index,
      end: match.index + match[0].length,
    };
  });
  found.forEach((entry, i) => {
    const after = found[i + 1];
    if (after && markdown.slice(entry.end, after.start).trim() === '') entry.block.next = after.block;
  });
  return found.map((entry) => entry.block);
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const markdownUnder = (dir: string): string[] =>
  readdirSync(`${ROOT}${dir}`, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? markdownUnder(`${dir}/${entry.name}`) : entry.name.endsWith('.md') ? [`${dir}/${entry.name}`] : []))
    .sort();

/** Every page the docs tests read: the README, the federation example's, and docs/ with its subfolders. */
export const DOC_PAGES: readonly string[] = ['README.md', 'examples/federation/README.md', ...markdownUnder('docs')];

/** The first block of `lang` below the first `marker` on `page` (the page's top for ''); throws naming both when there is none. */
export function docBlockAfter(page: string, marker: string, lang: string): DocBlock {
  const markdown = docPage(page);
  const at = markdown.indexOf(marker);
  if (at < 0) throw new Error(`${page}: no "${marker}"`);
  const markerLine = markdown.slice(0, at).split('\n').length;
  const block = docBlocks(markdown).find((candidate) => candidate.lang === lang && candidate.line >= markerLine);
  if (!block) throw new Error(`${page}: no ${lang} block after "${marker}"`);
  return block;
}
