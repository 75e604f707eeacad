/**
 * The server's resident memory over a soak: a baseline sample after warm-up, periodic ones,
 * one as the load stops, and the growth between the first and the last. RSS is what the
 * kernel charges the process, heap and native buffers alike, which is what a leak eventually
 * costs.
 */
import { readRssBytes } from '../lib/procStats.js';

export interface RssSample {
  /** seconds since the load started */
  atSeconds: number;
  bytes: number;
}

export interface RssSummary {
  /** first sample after warm-up: the baseline of growth */
  warmupBytes: number | undefined;
  endBytes: number | undefined;
  /** largest sample from warm-up on */
  maxBytes: number | undefined;
  /** (end − warm-up) / warm-up, in percent */
  growthPercent: number | undefined;
  samples: RssSample[];
}

/** Samples taken from warm-up on; earlier readings (progress lines) are not part of the verdict. */
export class RssTracker {
  readonly #pid: number;
  readonly #samples: RssSample[] = [];
  #warmup: RssSample | undefined;
  #end: RssSample | undefined;

  constructor(pid: number) {
    this.#pid = pid;
  }

  current(): number | undefined {
    return readRssBytes(this.#pid);
  }

  /** Records a sample; `warmup` is the baseline, `end` the last one (taken as the load stops). */
  sample(atSeconds: number, phase: 'warmup' | 'periodic' | 'end'): number | undefined {
    const bytes = readRssBytes(this.#pid);
    if (bytes === undefined) return undefined;
    const sample = { atSeconds: Math.round(atSeconds * 10) / 10, bytes };
    this.#samples.push(sample);
    if (phase === 'warmup') this.#warmup = sample;
    if (phase === 'end') this.#end = sample;
    return bytes;
  }

  summary(): RssSummary {
    const samples = this.#samples;
    const warmupBytes = this.#warmup?.bytes;
    const endBytes = this.#end?.bytes;
    const maxBytes = samples.length > 0 ? Math.max(...samples.map((s) => s.bytes)) : undefined;
    const growthPercent =
      warmupBytes !== undefined && endBytes !== undefined ? ((endBytes - warmupBytes) / warmupBytes) * 100 : undefined;
    return { warmupBytes, endBytes, maxBytes, growthPercent, samples: [...samples] };
  }
}
