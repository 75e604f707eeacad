/**
 * Where each server the bench can run is, compiled: this file runs as
 * dist-bench/bench/harness/targetEntries.js, beside the server compiled with it.
 */
import { fileURLToPath } from 'node:url';
import type { TargetName } from '../workloads.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export const TARGET_ENTRIES: Readonly<Record<TargetName, string>> = {
  talkstack: here('../../src/main.js'),
  'apollo-rest': here('../baselines/apollo-rest/main.js'),
  'yoga-minimal': here('../baselines/yoga-minimal/main.js'),
  'bare-proxy': here('../baselines/bare-proxy/main.js'),
};
