/**
 * Debian's Chromium driven by playwright-core, launched the way this machine needs it: no
 * sandbox (tests run as root) and no background connections (the network is closed; Chromium
 * would keep trying). Without Chromium, browser suites fail under CI (.ci/run installs it) and
 * are skipped elsewhere, saying why.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

// Debian's package; CHROMIUM_PATH points elsewhere (another distribution, or to check the missing case).
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Screenshots and other things a run leaves to look at (gitignored). */
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

const missing = `Chromium is not installed at ${CHROMIUM} (Debian: apt-get install -y chromium; .ci/run installs it)`;

/** True when this suite must be skipped (no Chromium, and not under CI); warns once, naming the suite. */
export function skipWithoutChromium(suite: string): boolean {
  const skip = !existsSync(CHROMIUM) && !process.env.CI;
  if (skip) console.warn(`${suite} skipped: ${missing}`);
  return skip;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(missing);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}
