/** A complete configuration for tests: the defaults (demo mode off), with `overrides`. */
import { type Config, loadConfig } from '../../src/config/config.js';

export function configWith(overrides: Partial<Config>): Config {
  return { ...loadConfig({}), demo: false, ...overrides };
}
