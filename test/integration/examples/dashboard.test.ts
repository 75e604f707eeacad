/**
 * examples/dashboard.ts, the terminal dashboard, against the demo server over real HTTP and
 * WebSocket: the table of a page (finished calls, live calls, error rows with their codes,
 * an unknown call), then the live rows moving to COMPLETED through `callsUpdates` as the
 * simulator's injected clock steps, ending by itself once all are final. Also in trusted-
 * documents mode: with hashes only it works; with query texts it is refused. (The web
 * dashboard, in Chromium: test/browser/exampleWeb.test.ts.)
 *
 * The first test's run is the one docs/clients.md shows ("Using it from a dashboard", the
 * ```text block after the prose naming `--errors`): the sids `--errors` asks for
 * (demoPageSids({ errors: true })), its clock set where one call is live, ringing. The page's
 * block is read from the page and compared with the real output. Rule: every line of the
 * page's block must match a line of the real output, in the same order (the page is
 * shortened: the output may have more lines in between), after replacing only what the clock
 * decides: the live call's sid (the page's first `(live)` row's sid, wherever it appears), the
 * HH:MM:SS at the start of `update` lines, on the live call's rows the status word and the
 * FROM, TO, DATE (date and time), TIME (duration) and COST columns (the clock picks which
 * rolling call is live, and with it its numbers), and the count in "N live update(s)". Each
 * wildcard keeps its column's width, so the alignment is still checked; everything else (the
 * header, the sample rows with their values, the error rows, the wording) must be equal. The
 * closing "N live update(s); …" line is printed by the CLI's main(), not by runDashboard: the
 * test adds it with the function main() prints it with (closingLine).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closingLine, runDashboard } from '../../../examples/dashboard.js';
import { demoPageSids } from '../../../examples/demoSids.js';
import type { Config } from '../../../src/config/config.js';
import { DEMO_ERROR_SIDS, DEMO_SAMPLE_SIDS } from '../../../src/simulator/index.js';
import { docBlocks, docPage } from '../../support/docBlocks.js';
import { startDemoServer, type DemoServer } from '../../support/demoServer.js';

const STEP_MS = 8000;
const INTERVAL_MS = 20_000;
// A slot boundary: the newest live call is born exactly at T0, so it starts `queued`.
const T0 = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS;

class Captured {
  text = '';
  readonly isTTY = false;
  write(chunk: string): void {
    this.text += chunk;
  }
}

let demo: DemoServer | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

async function start(config: Partial<Config> = {}) {
  const clock = { t: T0 };
  // The error rows need only their code: one try of 1.5 s, so the timeout and 429 sids do not
  // hold the page for 3 tries and two Retry-After waits.
  demo = await startDemoServer({ simulator: { now: () => clock.t }, config: { callPollIntervalMs: 50, upstreamTimeoutMs: 1500, upstreamRetries: 0, ...config } });
  return { demo, clock };
}

const samples = DEMO_SAMPLE_SIDS.slice(0, 2).map((sample) => sample.sid);

/** The terminal dashboard's output on docs/clients.md: the ```text block after the prose naming `--errors`. */
function pageOutput(): string {
  const markdown = docPage('docs/clients.md');
  const mention = markdown.indexOf('npm run example:dashboard -- --errors');
  expect(mention, 'docs/clients.md names `npm run example:dashboard -- --errors`').toBeGreaterThan(-1);
  const mentionLine = markdown.slice(0, mention).split('\n').length;
  const block = docBlocks(markdown).find((candidate) => candidate.line > mentionLine);
  expect(block?.lang, 'a ```text block follows the prose naming --errors').toBe('text');
  return block?.body ?? '';
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const SID = 'CA[0-9a-f]{32}';
/** Columns of a live call's row that the clock decides (by header title). */
const CLOCK_COLUMNS = new Set(['STATUS', 'FROM', 'TO', 'DATE (UTC)', 'TIME', 'COST']);

/** The page's block as one anchored pattern per line, what the clock decides as wildcards (see the header comment). */
function pagePatterns(page: string): RegExp[] {
  const lines = page.replace(/\n$/, '').split('\n');
  const header = lines[0] ?? '';
  // Column starts and titles from the page's header (titles are apart by two spaces or more).
  const columns = [...header.matchAll(/\S+(?: \S+)*/g)].map((match) => ({ title: match[0], start: match.index }));
  const liveSid = lines.find((line) => line.includes('(live)'))?.match(/\bCA[0-9a-f]{32}\b/)?.[0];
  expect(liveSid, 'the page shows a (live) row').toBeDefined();
  const literal = (text: string) => (liveSid ? text.split(liveSid).map(escape).join(SID) : escape(text));
  const liveRow = (row: string) =>
    columns
      .map((column, index) => {
        const end = columns[index + 1]?.start;
        const text = row.slice(column.start, end);
        if (text.trim() === '' || !CLOCK_COLUMNS.has(column.title)) return literal(text);
        // The cell's width is kept: a cell up to the next column is exactly as wide (ending in
        // the two spaces between columns), the last one (the line is trimmed) at most as wide
        // as its column. The page's own cell must sit in its column too.
        const last = end === undefined || row.length <= end;
        expect(text, `the page's ${column.title} cell in its column: ${row}`).toMatch(last ? /^\S/ : /^\S.*  $/);
        const width = last ? `.{1,${end === undefined ? text.length : end - column.start - 2}}` : `.{${text.length - 2}}  `;
        const shape = column.title !== 'STATUS' ? '(?=\\S)' : text.includes(' (live)') ? '(?=[A-Z_]+ \\(live\\) )' : '(?=[A-Z_]+(?:  |$))';
        return `${shape}${width}`;
      })
      .join('');
  return lines.map((line) => {
    const update = /^\d\d:\d\d:\d\d update  /.exec(line);
    const prefix = update ? '\\d\\d:\\d\\d:\\d\\d update  ' : '';
    const row = update ? line.slice(update[0].length) : line;
    if (liveSid && row.startsWith(`${liveSid} `)) return new RegExp(`^${prefix}${liveRow(row)}$`);
    const count = /^\d+( live update\(s\).*)$/.exec(line);
    if (count) return new RegExp(`^\\d+${literal(count[1] ?? '')}$`);
    return new RegExp(`^${prefix}${literal(row)}$`);
  });
}

/** Every pattern matches a line of `output`, in order; the first that does not, or undefined. */
function firstUnmatched(patterns: RegExp[], output: string): RegExp | undefined {
  const lines = output.split('\n');
  let next = 0;
  for (const pattern of patterns) {
    const found = lines.findIndex((line, index) => index >= next && pattern.test(line));
    if (found < 0) return pattern;
    next = found + 1;
  }
  return undefined;
}

describe('examples/dashboard.ts (terminal dashboard)', () => {
  it('prints the page as a table, error rows with their code, then follows the live call until it is final (as docs/clients.md shows it)', async () => {
    const { demo, clock } = await start();
    // As on the page: one call live, ringing (the one before it completed at T0 + 12 s).
    clock.t = T0 + 14_000;
    // The sids `--errors` asks for: the live calls, the samples, the error states.
    const sids = demoPageSids({ errors: true, now: clock.t });
    const live = demo.demo.simulator.liveCalls()[0]?.sid ?? '';
    expect(demo.demo.simulator.liveCalls().map((call) => call.sid)).toEqual([live]);
    expect(sids[0]).toBe(live);
    const screen = new Captured();
    const running = runDashboard({ url: `${demo.url}/graphql`, sids, screen, seconds: 15 });
    // Should an expectation fail first, the server closes under it: that is no second failure.
    running.catch(() => undefined);

    // Once it follows, step the clock: ringing → in-progress → completed.
    await expect.poll(() => screen.text, { timeout: 15_000, interval: 20 }).toContain('Following 1 live call(s)');
    for (const step of [2, 4]) {
      clock.t = T0 + step * STEP_MS;
      const stage = { 2: 'IN_PROGRESS', 4: 'COMPLETED' }[step] ?? '';
      await expect.poll(() => screen.text, { timeout: 5000, interval: 20 }).toMatch(new RegExp(`update  ${live}  ${stage}`));
    }
    const outcome = await running;
    // The line the command prints last (main() in examples/dashboard.ts), part of what the page shows.
    const output = `${screen.text}${closingLine(outcome, 15)}\n`;
    console.log(`terminal dashboard output:\n${output}`);

    expect(outcome.ended).toBe('all-final');
    expect(outcome.updates).toBeGreaterThanOrEqual(2);
    const lines = output.split('\n');
    expect(lines[0]).toMatch(/^SID\s+STATUS\s+FROM\s+TO\s+DATE \(UTC\)\s+TIME\s+COST\s+RECORDINGS$/);
    expect(lines[1]).toMatch(new RegExp(`^${live}  RINGING \\(live\\)`));
    expect(lines[2]).toMatch(new RegExp(`^${samples[0]}  COMPLETED .*\\d+:\\d\\d .*mp3`));
    for (const entry of DEMO_ERROR_SIDS) {
      const row = lines.find((line) => line.startsWith(`${entry.sid} `)) ?? '';
      expect(row, entry.sid).toContain(entry.code ?? 'not found');
    }
    // The first event of the subscription repeats the page: it is no update line.
    expect(output).not.toMatch(new RegExp(`update  ${live}  RINGING`));

    // The page's block, line by line, in order (the rule: the header comment).
    const patterns = pagePatterns(pageOutput());
    expect(patterns.length).toBeGreaterThan(5);
    expect(firstUnmatched(patterns, output), "the first line of the page's block not in the real output (in order)").toBeUndefined();
  }, 40_000);

  it('prints the table only with --once, and stops at once when no call on the page is live', async () => {
    const { demo } = await start();
    const screen = new Captured();
    const outcome = await runDashboard({ url: `${demo.url}/graphql`, sids: samples, screen });
    expect(outcome.ended).toBe('no-live-calls');
    expect(screen.text).toContain('No live call on this page');
    expect(outcome.table.rows.every((row) => row.kind === 'call')).toBe(true);
  });

  it('runs against a trusted-documents server with --trusted (hashes only), and is refused without', async () => {
    const { demo, clock } = await start({ persistedOperationsOnly: true });
    const live = demo.demo.simulator.liveCalls()[0]?.sid ?? '';
    const screen = new Captured();
    const running = runDashboard({ url: `${demo.url}/graphql`, sids: [live, ...samples], screen, trusted: true, seconds: 15 });
    running.catch(() => undefined);
    await expect.poll(() => screen.text, { timeout: 15_000, interval: 20 }).toContain('Following 1 live call(s)');
    clock.t = T0 + 4 * STEP_MS;
    const outcome = await running;
    expect(outcome.ended).toBe('all-final');
    expect(screen.text).toMatch(new RegExp(`update  ${live}  COMPLETED`));

    const refused = new Captured();
    const failed = await runDashboard({ url: `${demo.url}/graphql`, sids: samples, screen: refused });
    expect(failed.ended).toBe('failed');
    expect(refused.text).toContain('error PERSISTED_QUERY_NOT_FOUND');
  }, 40_000);
});
