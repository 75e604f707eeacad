/**
 * The verdict: which targets a run met. Kept apart from measuring so the thresholds are in
 * one place and the CLI's exit code is exactly "every target met".
 */
import type { LoadStats } from './metrics.js';
import type { RssSummary } from './rss.js';
import type { ExitInfo } from '../lib/serverProcess.js';

export interface TargetResult {
  name: string;
  ok: boolean;
  /** the measured value, for the summary */
  detail: string;
}

export interface TargetInput {
  /** how the server exited during the soak; undefined when it lived until stopped */
  crash: ExitInfo | undefined;
  load: LoadStats;
  rss: RssSummary;
  maxRssGrowthPercent: number;
}

export function evaluateTargets({ crash, load, rss, maxRssGrowthPercent }: TargetInput): TargetResult[] {
  const growth = rss.growthPercent;
  return [
    {
      name: 'server did not crash',
      ok: crash === undefined,
      detail: crash
        ? `exited ${(crash.afterMs / 1000).toFixed(1)} s after start (code ${String(crash.code)}, signal ${String(crash.signal)})`
        : 'alive until stopped',
    },
    { name: 'requests were served', ok: load.served > 0, detail: String(load.served) },
    { name: 'zero server 5xx', ok: load.server5xx === 0, detail: String(load.server5xx) },
    // A timeout or reset from the server is as much a failure as a 5xx, only less visible.
    { name: 'zero request failures', ok: load.failed === 0, detail: String(load.failed) },
    // A server that stays up but answers wrong under load has not passed a soak.
    { name: 'every answer as the contract says', ok: load.wrongAnswers === 0, detail: `${load.wrongAnswers} wrong` },
    {
      name: `RSS growth after warm-up < ${maxRssGrowthPercent} %`,
      ok: growth !== undefined && growth < maxRssGrowthPercent,
      detail: growth === undefined ? 'not measured' : `${growth >= 0 ? '+' : ''}${growth.toFixed(1)} %`,
    },
  ];
}
