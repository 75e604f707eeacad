/**
 * One soak run: simulator in this process, server in a child process, load, RSS sampling,
 * verdict. Everything started here is stopped here, on success or failure.
 */
import { DEMO_API_KEY, DEMO_PROJECT_ID } from '../../src/simulator/index.js';
import type { ExitInfo, StopOutcome } from '../lib/serverProcess.js';
import { CpuMeter, type CpuSummary } from './cpu.js';
import { runSoakLoad } from './load.js';
import { LoadMetrics, type LoadStats } from './metrics.js';
import { OperationPlanner } from './operations.js';
import { resolveOptions, type SoakOptions } from './options.js';
import { seededRandom } from './random.js';
import { formatProgress } from './report.js';
import { RssTracker, type RssSummary } from './rss.js';
import { startServer } from './server.js';
import { startSoakUpstream } from './soakUpstream.js';
import { evaluateTargets, type TargetResult } from './targets.js';

export interface SoakResult {
  /** every target met */
  ok: boolean;
  /** the targets not met, with their measured value */
  failed: string[];
  targets: TargetResult[];
  settings: {
    seconds: number;
    warmupSeconds: number;
    concurrency: number;
    seed: number;
    requestTimeoutMs: number;
    upstreamLatencyMs: number;
    upstreamTimeoutMs: number;
    upstreamRetries: number;
  };
  /** how long the load actually ran (the last requests finish after the deadline) */
  loadSeconds: number;
  requestsPerSecond: number;
  load: LoadStats;
  rss: RssSummary;
  cpu: CpuSummary;
  server: {
    pid: number;
    url: string;
    crashed: boolean;
    /** how the process ended: during the soak when crashed, else on stop */
    exit: ExitInfo | undefined;
    shutdown: StopOutcome['shutdown'];
    /** the end of its stderr, when it wrote any */
    stderrTail: string | undefined;
  };
  upstream: { requests: number; maxInFlight: number };
}

const STDERR_TAIL_REPORTED = 2000;

export async function runSoak(input: SoakOptions = {}): Promise<SoakResult> {
  const options = resolveOptions(input);
  const { log } = options;
  const upstream = await startSoakUpstream(options.upstreamLatencyMs);
  const timers: NodeJS.Timeout[] = [];
  try {
    const server = await startServer({
      entry: options.serverEntry,
      upstreamUrl: upstream.sim.url,
      apiKey: DEMO_API_KEY,
      projectId: DEMO_PROJECT_ID,
      upstreamTimeoutMs: options.upstreamTimeoutMs,
      upstreamRetries: options.upstreamRetries,
      startTimeoutMs: options.startTimeoutMs,
    });
    try {
      log(`[soak] server pid ${server.pid} on ${server.url}; simulator on ${upstream.sim.url}; seed ${options.seed}`);
      log(
        `[soak] ${options.concurrency} workers for ${options.seconds} s, RSS from ${Math.round(options.warmupSeconds * 10) / 10} s on, every ${options.rssIntervalSeconds} s`,
      );

      const metrics = new LoadMetrics();
      const rss = new RssTracker(server.pid);
      const stop = new AbortController();
      // A dead server answers nothing: stop the workers rather than count refusals for the rest of the run.
      void server.exited.then((exit) => {
        if (stop.signal.aborted) return;
        log(`[soak] server exited during the soak (code ${String(exit.code)}, signal ${String(exit.signal)})`);
        stop.abort();
      });

      const cpu = new CpuMeter(server.pid);
      const startedAt = Date.now();
      const elapsed = () => (Date.now() - startedAt) / 1000;
      timers.push(
        setTimeout(() => {
          rss.sample(elapsed(), 'warmup');
          timers.push(setInterval(() => rss.sample(elapsed(), 'periodic'), options.rssIntervalSeconds * 1000));
        }, options.warmupSeconds * 1000),
        setInterval(() => log(formatProgress(elapsed(), metrics, rss.current(), cpu.serverPercentSoFar())), options.progressIntervalSeconds * 1000),
      );

      await runSoakLoad({
        url: server.url,
        concurrency: options.concurrency,
        seconds: options.seconds,
        maxRequests: options.maxRequests,
        requestTimeoutMs: options.requestTimeoutMs,
        planner: new OperationPlanner(seededRandom(options.seed), upstream),
        metrics,
        stop: stop.signal,
      });
      const loadSeconds = elapsed();
      for (const timer of timers.splice(0)) clearTimeout(timer);
      // Taken while the server still holds whatever the load left behind, before it is stopped.
      rss.sample(loadSeconds, 'end');
      const cpuSummary = cpu.summary();
      const crash = server.exit;
      const crashed = crash !== undefined;
      stop.abort();

      const outcome = await server.stop();
      const load = metrics.snapshot();
      const rssSummary = rss.summary();
      const targets = evaluateTargets({ crash, load, rss: rssSummary, maxRssGrowthPercent: options.maxRssGrowthPercent });
      const stderr = server.stderr().trim();
      return {
        ok: targets.every((t) => t.ok),
        failed: targets.filter((t) => !t.ok).map((t) => `${t.name} (${t.detail})`),
        targets,
        settings: {
          seconds: options.seconds,
          warmupSeconds: options.warmupSeconds,
          concurrency: options.concurrency,
          seed: options.seed,
          requestTimeoutMs: options.requestTimeoutMs,
          upstreamLatencyMs: options.upstreamLatencyMs,
          upstreamTimeoutMs: options.upstreamTimeoutMs,
          upstreamRetries: options.upstreamRetries,
        },
        loadSeconds: Math.round(loadSeconds * 10) / 10,
        requestsPerSecond: Math.round(metrics.requests / loadSeconds),
        load,
        rss: rssSummary,
        cpu: cpuSummary,
        server: {
          pid: server.pid,
          url: server.url,
          crashed,
          exit: outcome.exit,
          shutdown: outcome.shutdown,
          stderrTail: stderr === '' ? undefined : stderr.slice(-STDERR_TAIL_REPORTED),
        },
        upstream: { requests: upstream.sim.stats.requests, maxInFlight: upstream.sim.stats.maxInFlight },
      };
    } finally {
      await server.stop();
    }
  } finally {
    for (const timer of timers) clearTimeout(timer);
    await upstream.sim.close();
  }
}
