/**
 * Soak test of the compiled server: `npm run soak` (builds first), or `node dist/bench/soak.js`
 * against an existing build. Settings: SOAK_SECONDS (60), SOAK_CONCURRENCY (32),
 * SOAK_WARMUP_SECONDS (10, or 1/6 of the run when shorter), SOAK_MAX_REQUESTS, SOAK_SEED.
 *
 * Exit code: 0 when every target is met, 1 when one is not, 2 when the soak could not run.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { optionsFromEnv } from './soak/options.js';
import { formatSummary, resultLine } from './soak/report.js';
import { runSoak } from './soak/run.js';

export { runSoak, type SoakResult } from './soak/run.js';
export type { SoakOptions } from './soak/options.js';

async function main(): Promise<number> {
  let result;
  try {
    result = await runSoak({ ...optionsFromEnv(), log: (line) => console.log(line) });
  } catch (error) {
    console.error(`[soak] could not run: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  console.log(formatSummary(result));
  console.log(resultLine(result));
  return result.ok ? 0 : 1;
}

// Only when run as a script: importing `runSoak` from here must not start a soak.
const script = process.argv[1];
if (script !== undefined && import.meta.url === pathToFileURL(resolve(script)).href) {
  // exitCode, not exit(): stdout may be a pipe, and exit() could cut the summary short.
  process.exitCode = await main();
}
