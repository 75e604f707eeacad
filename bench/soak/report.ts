/**
 * What a person reads (progress lines, the summary table) and what a machine reads (one
 * `SOAK_RESULT {json}` line, so CI can grep it out of any amount of output).
 */
import type { LoadMetrics } from './metrics.js';
import type { SoakResult } from './run.js';

export const RESULT_PREFIX = 'SOAK_RESULT ';

export function mib(bytes: number | undefined): string {
  return bytes === undefined ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function counts(record: Record<string, number>): string {
  const entries = Object.entries(record).sort(([, a], [, b]) => b - a);
  return entries.length === 0 ? '—' : entries.map(([key, n]) => `${key} ${n}`).join(', ');
}

export function formatProgress(
  seconds: number,
  metrics: LoadMetrics,
  rssBytes: number | undefined,
  serverCpuPercent: number | undefined,
): string {
  const rate = seconds > 0 ? Math.round(metrics.requests / seconds) : 0;
  return (
    `[soak] ${seconds.toFixed(0).padStart(4)} s  requests ${metrics.requests} (${rate}/s)` +
    `  failures ${metrics.failed}  5xx ${metrics.server5xx}  wrong ${metrics.wrongAnswers}  server RSS ${mib(rssBytes)}, CPU ${serverCpuPercent === undefined ? 'n/a' : `${serverCpuPercent} %`}`
  );
}

/**
 * The last sample of each whole minute, and how minute 3 compares with minute 2 (issue 18's
 * leak check: within 5 % once the store of calls has filled).
 */
function perMinute(samples: readonly { atSeconds: number; bytes: number }[]): string {
  const minutes: number[] = [];
  for (const sample of samples) {
    const minute = Math.floor(sample.atSeconds / 60);
    if (minute >= 1) minutes[minute - 1] = sample.bytes;
  }
  const listed = minutes.map((bytes, i) => `minute ${i + 1} ${mib(bytes)}`).filter((_, i) => minutes[i] !== undefined);
  const [, second, third] = minutes;
  const change = second && third ? ` (minute 3 vs 2: ${third >= second ? '+' : ''}${((100 * (third - second)) / second).toFixed(1)} %)` : '';
  return listed.join(', ') + change;
}

export function formatSummary(result: SoakResult): string {
  const { load, rss, server, settings } = result;
  const latency = load.latencyMs;
  const growth = rss.growthPercent;
  const rows: [string, string][] = [
    ['requests served', `${load.served} (${result.requestsPerSecond}/s over ${result.loadSeconds} s)`],
    ['request failures', load.failed === 0 ? '0' : `${load.failed} (${counts(load.failureReasons)})`],
    ['server 5xx', String(load.server5xx)],
    ['wrong answers', String(load.wrongAnswers)],
    ['non-JSON answers', String(load.nonJson)],
    ['load timeouts', `${load.loadTimeouts} fields (UPSTREAM_TIMEOUT on sids whose upstream answers at once, or the UPSTREAM_UNAVAILABLE such timeouts opened)`],
    [
      'latency',
      latency ? `p50 ${latency.p50} ms, p90 ${latency.p90} ms, p99 ${latency.p99} ms, max ${latency.max} ms, mean ${latency.mean} ms` : 'n/a',
    ],
    ['HTTP statuses', counts(load.byStatus)],
    ['error codes', counts(load.errorCodes)],
    ['operations', counts(load.byKind)],
    [
      'server RSS',
      `warm-up ${mib(rss.warmupBytes)}, end ${mib(rss.endBytes)}, max ${mib(rss.maxBytes)}, growth ${
        growth === undefined ? 'n/a' : `${growth >= 0 ? '+' : ''}${growth.toFixed(1)} %`
      }`,
    ],
    ['CPU (% of one core)', `server ${result.cpu.serverPercent === undefined ? 'n/a' : `${result.cpu.serverPercent} %`}, soak process (simulator + load) ${result.cpu.soakPercent} %`],
    ['RSS per minute', perMinute(rss.samples) || '— (a run under a minute)'],
    ['RSS samples', rss.samples.map((s) => `${s.atSeconds}s ${mib(s.bytes)}`).join(', ') || '—'],
    [
      'server',
      `pid ${server.pid}, ${server.crashed ? 'CRASHED' : 'alive until stopped'}, shutdown ${server.shutdown}` +
        (server.exit ? ` (code ${String(server.exit.code)}, signal ${String(server.exit.signal)})` : ''),
    ],
    ['upstream', `${result.upstream.requests} requests, at most ${result.upstream.maxInFlight} in flight`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [
    '',
    `Soak summary: ${settings.seconds} s, ${settings.concurrency} workers, warm-up ${Math.round(settings.warmupSeconds * 10) / 10} s, seed ${settings.seed}` +
      ` (upstream latency ${settings.upstreamLatencyMs} ms, UPSTREAM_TIMEOUT_MS ${settings.upstreamTimeoutMs}, UPSTREAM_RETRIES ${settings.upstreamRetries})`,
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
  ];
  if (load.failureSamples.length > 0) lines.push('', 'Request failures (first ones):', ...load.failureSamples.map((s) => `  ${s}`));
  if (load.wrongAnswerSamples.length > 0) lines.push('', 'Wrong answers (first ones):', ...load.wrongAnswerSamples.map((s) => `  ${s}`));
  if (server.crashed && server.stderrTail) lines.push('', 'Server stderr (end):', server.stderrTail);
  lines.push('', 'Targets:', ...result.targets.map((t) => `  ${t.ok ? 'PASS' : 'FAIL'}  ${t.name}: ${t.detail}`));
  lines.push('', result.ok ? 'SOAK PASSED' : `SOAK FAILED: ${result.failed.join('; ')}`);
  return lines.join('\n');
}

export function resultLine(result: SoakResult): string {
  return RESULT_PREFIX + JSON.stringify(result);
}
