/**
 * What Linux says a process costs, read from /proc: CPU time and resident memory of one pid.
 * The bench and the soak run each server in a process of its own so that these figures are
 * the server's alone, not mixed with the load generator's. Readers return undefined when the
 * process is gone or there is no procfs; callers that cannot go on without a figure say so.
 */
import { readFileSync } from 'node:fs';

/** Linux's USER_HZ is 100 on every mainstream architecture; Node offers no sysconf to ask. */
const TICKS_PER_SECOND = 100;
const VM_RSS = /^VmRSS:\s+(\d+)\s+kB$/m;

/** CPU time (user + system) `pid` has used so far, in milliseconds. */
export function readCpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? ((utime + stime) * 1000) / TICKS_PER_SECOND : undefined;
}

/** Resident memory of `pid` right now, in bytes: heap and native buffers alike. */
export function readRssBytes(pid: number): number | undefined {
  try {
    const kib = VM_RSS.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

/** `readCpuMs` for a measurement that means nothing without it: throws when the process is gone. */
export function cpuMs(pid: number): number {
  const ms = readCpuMs(pid);
  if (ms === undefined) throw new Error(`no CPU time for pid ${pid} in /proc: the process has exited`);
  return ms;
}

/** Samples the RSS of `pid` every `everyMs` until stopped; `stop()` returns the highest seen (0 if none). */
export function sampleRssPeak(pid: number, everyMs = 100): { stop(): number } {
  let peak = readRssBytes(pid) ?? 0;
  // A process that ended keeps its last peak.
  const sample = () => (peak = Math.max(peak, readRssBytes(pid) ?? 0));
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}
