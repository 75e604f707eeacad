/**
 * The settings tables of docs/settings.md, generated from the one settings schema
 * (src/config/settings.ts): one table per concern, each setting with its variable, default and
 * meaning. `npm run docs:settings` rewrites the part of docs/settings.md between the two markers
 * below; test/unit/config/settingsDocs.test.ts fails when the committed page differs from what
 * this renders, so a setting cannot change without its docs. The descriptions name other pages
 * by their titles ("see Security"); those become relative links to the pages of docs/.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Setting, SETTING_GROUPS, type SettingGroup, SETTINGS } from '../src/config/settings.js';

export const BEGIN_MARKER = '<!-- settings:begin (generated from src/config/settings.ts by `npm run docs:settings`; do not edit by hand) -->';
export const END_MARKER = '<!-- settings:end -->';
export const SETTINGS_PAGE = fileURLToPath(new URL('../docs/settings.md', import.meta.url));

/** What the descriptions say to refer to another page, and the link it becomes (relative to docs/). */
const REFERENCES: ReadonlyArray<readonly [string, string]> = [
  ['(Operations: Settled answers)', '([Settled answers](performance.md#settled-answers-the-fast-path))'],
  ['(Operations: Redis)', '([Redis](redis.md))'],
  ['(Operations: Metrics and tracing)', '([Metrics and tracing](observability.md))'],
  ['(see Trusted documents)', '(see [Trusted documents](security.md#trusted-documents))'],
  ['see Security', 'see [Security](security.md)'],
  ['see Deploying', 'see [Deploying](deploying.md)'],
  ['see Performance', 'see [Performance](performance.md)'],
];

/** A description with its references to other pages as links. */
function linked(description: string): string {
  return REFERENCES.reduce((text, [reference, link]) => text.replaceAll(reference, link), description);
}

function defaultOf(setting: Setting<unknown, boolean>): string {
  if (setting.defaultText !== undefined) return setting.defaultText;
  const value = setting.default;
  if (value === undefined) return '—';
  return `\`${Array.isArray(value) ? value.join(',') : String(value)}\``;
}

/** The tables, one per concern in the schema's order of concerns. */
export function renderSettingsTables(): string {
  const settings: Setting<unknown, boolean>[] = Object.values(SETTINGS);
  const sections = (Object.keys(SETTING_GROUPS) as SettingGroup[]).map((group) => {
    const rows = settings
      .filter((setting) => setting.group === group)
      .map((setting) => `| \`${setting.variable}\` | ${defaultOf(setting)} | ${linked(setting.description).replaceAll('|', '\\|')} |`);
    return [`## ${SETTING_GROUPS[group]}`, '', '| setting (env) | default | meaning |', '|---|---|---|', ...rows].join('\n');
  });
  return sections.join('\n\n');
}

/** `page` with the part between the markers replaced by the rendered tables. */
export function withSettingsTables(page: string): string {
  const begin = page.indexOf(BEGIN_MARKER);
  const end = page.indexOf(END_MARKER);
  if (begin === -1 || end === -1 || end < begin) throw new Error(`docs/settings.md needs the markers ${BEGIN_MARKER} and ${END_MARKER}`);
  return `${page.slice(0, begin + BEGIN_MARKER.length)}\n\n${renderSettingsTables()}\n\n${page.slice(end)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(SETTINGS_PAGE, withSettingsTables(readFileSync(SETTINGS_PAGE, 'utf8')));
  console.log(`wrote the settings tables of ${SETTINGS_PAGE}`);
}
