/**
 * The settings tables of docs/settings.md are generated from the settings schema
 * (scripts/settingsTable.ts): the committed page must be what `npm run docs:settings` writes, and
 * every setting the server reads is in it with its default.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS_PAGE, renderSettingsTables, withSettingsTables } from '../../../scripts/settingsTable.js';
import { loadConfig } from '../../../src/config/config.js';
import { SETTINGS } from '../../../src/config/settings.js';

describe('the settings tables of docs/settings.md', () => {
  const page = readFileSync(SETTINGS_PAGE, 'utf8');

  it('are what `npm run docs:settings` writes (run it after changing src/config/settings.ts)', () => {
    expect(withSettingsTables(page)).toBe(page);
  });

  it('list every setting once, with the default loadConfig applies', () => {
    const tables = renderSettingsTables();
    const defaults = loadConfig({ TALKSTACK_DEMO: 'false' });
    for (const [name, setting] of Object.entries(SETTINGS)) {
      const rows = tables.split('\n').filter((line) => line.startsWith(`| \`${setting.variable}\` |`));
      expect(rows, setting.variable).toHaveLength(1);
      if (setting.default !== undefined && setting.defaultText === undefined) {
        expect(rows[0], setting.variable).toContain(`| \`${String(setting.default)}\` |`);
        expect(defaults[name as keyof typeof defaults], setting.variable).toEqual(setting.default);
      }
    }
  });
});
