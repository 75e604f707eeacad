/**
 * The README's settings tables, generated from the one settings schema (src/config/settings.ts):
 * one table per concern, each setting with its variable, default and meaning. `npm run
 * docs:settings` rewrites the part of README.md between the two markers below;
 * test/unit/config/settingsDocs.test.ts fails when the committed README differs from what this
 * renders, so a setting cannot change without its docs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Setting, SETTING_GROUPS, type SettingGroup, SETTINGS } from '../src/config/settings.js';

export const BEGIN_MARKER = '<!-- settings:begin (generated from src/config/settings.ts by `npm run docs:settings`; do not edit by hand) -->';
export const END_MARKER = '<!-- settings:end -->';
export const README = fileURLToPath(new URL('../README.md', import.meta.url));

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
      .map((setting) => `| \`${setting.variable}\` | ${defaultOf(setting)} | ${setting.description.replaceAll('|', '\\|')} |`);
    return [`### ${SETTING_GROUPS[group]}`, '', '| setting (env) | default | meaning |', '|---|---|---|', ...rows].join('\n');
  });
  return sections.join('\n\n');
}

/** `readme` with the part between the markers replaced by the rendered tables. */
export function withSettingsTables(readme: string): string {
  const begin = readme.indexOf(BEGIN_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (begin === -1 || end === -1 || end < begin) throw new Error(`README.md needs the markers ${BEGIN_MARKER} and ${END_MARKER}`);
  return `${readme.slice(0, begin + BEGIN_MARKER.length)}\n\n${renderSettingsTables()}\n\n${readme.slice(end)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(README, withSettingsTables(readFileSync(README, 'utf8')));
  console.log(`wrote the settings tables of ${README}`);
}
