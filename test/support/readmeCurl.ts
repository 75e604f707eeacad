/**
 * The curl examples of a Markdown page (README.md, docs/*.md), as data: each ```sh block
 * holding a curl command, with the output block (```json or ```text) right after it when the
 * page shows one. Also a small stand-in for curl (the flags the pages use, through fetch) for
 * machines without it, and `runCurl`, which runs a command with the real curl when installed.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

/** The real curl, when this machine has one. */
export const CURL = ['/usr/bin/curl', '/usr/local/bin/curl', '/bin/curl'].find((path) => existsSync(path));

/** What a curl command prints: run by a shell with the real curl (no proxy for loopback), else through `fetchLikeCurl`. */
export async function runCurl(command: string): Promise<string> {
  if (!CURL) return fetchLikeCurl(command);
  const env = { ...process.env, PATH: `${dirname(CURL)}:${process.env.PATH ?? ''}`, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' };
  return (await promisify(execFile)('/bin/sh', ['-c', command], { timeout: 10_000, env })).stdout;
}

export interface CurlExample {
  /** the command exactly as written (line continuations included) */
  command: string;
  /** the output the page shows right below it, if any */
  expected?: string;
  /** 1-based line of the command block, for messages */
  line: number;
}

const FENCE = /^```(\w*)\n([\s\S]*?)^```[ \t]*$/gm;

export function curlExamples(markdown: string): CurlExample[] {
  const blocks = [...markdown.matchAll(FENCE)].map((match) => ({
    lang: match[1] ?? '',
    body: match[2] ?? '',
    start: match.index,
    end: match.index + match[0].length,
  }));
  const examples: CurlExample[] = [];
  blocks.forEach((block, i) => {
    if (block.lang !== 'sh' || !/^\s*curl\b/m.test(block.body)) return;
    const next = blocks[i + 1];
    const adjacent = next && markdown.slice(block.end, next.start).trim() === '' && ['json', 'text'].includes(next.lang);
    examples.push({
      command: block.body.trimEnd(),
      ...(adjacent ? { expected: next.body } : {}),
      line: markdown.slice(0, block.start).split('\n').length,
    });
  });
  return examples;
}

/** Splits a POSIX shell command into words: quotes, backslash escapes and line continuations. */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i] as string;
    if (c === '\\') {
      const next = command[++i];
      if (next !== '\n' && next !== undefined) word = (word ?? '') + next;
    } else if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end === -1) throw new Error(`unclosed ' in: ${command}`);
      word = (word ?? '') + command.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      word ??= '';
      for (i++; command[i] !== '"'; i++) {
        if (i >= command.length) throw new Error(`unclosed " in: ${command}`);
        if (command[i] === '\\' && '"\\$`'.includes(command[i + 1] ?? '')) i++;
        word += command[i];
      }
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (';|&<>()$`'.includes(c)) {
      throw new Error(`shell syntax the curl stand-in does not run: ${c} in ${command}`);
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** What curl prints for the flags the pages use (-s, -N, -G, -H, -d, --data-urlencode), through fetch. */
export async function fetchLikeCurl(command: string): Promise<string> {
  const [program, ...args] = shellWords(command);
  if (program !== 'curl') throw new Error(`not a curl command: ${command}`);
  const headers = new Headers();
  const data: string[] = [];
  const urlEncoded: string[] = [];
  let get = false;
  let url: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const value = (): string => {
      const next = args[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '-s' || arg === '-N' || arg === '-sN') continue;
    if (arg === '-G') get = true;
    else if (arg === '-H') {
      const header = value();
      const colon = header.indexOf(':');
      headers.append(header.slice(0, colon).trim(), header.slice(colon + 1).trim());
    } else if (arg === '-d') data.push(value());
    else if (arg === '--data-urlencode') {
      const [name, ...rest] = value().split('=');
      urlEncoded.push(`${name}=${encodeURIComponent(rest.join('='))}`);
    } else if (arg.startsWith('-')) throw new Error(`curl flag the stand-in does not know: ${arg}`);
    else url = arg;
  }
  if (!url) throw new Error(`no URL in: ${command}`);
  const payload = [...data, ...urlEncoded].join('&');
  if (get || payload === '') {
    const target = payload === '' ? url : `${url}${url.includes('?') ? '&' : '?'}${payload}`;
    return (await fetch(target, { headers })).text();
  }
  if (!headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded');
  return (await fetch(url, { method: 'POST', headers, body: payload })).text();
}
