/**
 * The fenced code blocks of a Markdown page, read from the page itself: language, body,
 * 1-based line of the opening fence, and the block right after it when only whitespace lies
 * between (a query's answer). Fences may be indented (inside a list item); the indentation is
 * taken off the body.
 */
import { readFileSync } from 'node:fs';
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
