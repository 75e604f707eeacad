/**
 * One backpressure rule for every streaming answer (contract: "Bounded cost per client"): a
 * client that stops reading cannot grow the server's memory. What a stream has queued and not
 * yet handed to the kernel (an SSE or HTTP answer's `writableLength`, a WebSocket's
 * `bufferedAmount`) is bounded:
 * - past 16 MiB for one stream, that stream is closed (WebSocket code 1013, "try again later");
 * - past 256 MiB for the process, the largest backlogs are closed first until it is under.
 * WebSockets are checked at every message sent (a property read); everything, and the total,
 * on a sweep every 100 ms while anything is open.
 */

export const STREAM_BACKLOG_BYTES = 16 * 1024 * 1024;
export const PROCESS_BACKLOG_BYTES = 256 * 1024 * 1024;
const SWEEP_MS = 100;

/** A stream as the guard sees it: what it has queued, and how to end it. */
export interface Backlogged {
  readonly unsent: number;
  close(): void;
}

export interface BackpressureStats {
  /** streams closed for their backlog since start */
  readonly closed: number;
}

export class BackpressureGuard {
  readonly #streams = new Set<Backlogged>();
  readonly #sources: (() => Iterable<Backlogged>)[] = [];
  readonly #streamLimit: number;
  readonly #processLimit: number;
  #timer: NodeJS.Timeout | undefined;
  #closed = 0;

  constructor({ streamLimit = STREAM_BACKLOG_BYTES, processLimit = PROCESS_BACKLOG_BYTES }: { streamLimit?: number; processLimit?: number } = {}) {
    this.#streamLimit = streamLimit;
    this.#processLimit = processLimit;
  }

  get stats(): BackpressureStats {
    return { closed: this.#closed };
  }

  /** Watches `stream` until the returned function is called. */
  watch(stream: Backlogged): () => void {
    this.#streams.add(stream);
    this.#start();
    return () => void this.#streams.delete(stream);
  }

  /** Streams owned elsewhere (the HTTP answers in flight), looked at by each sweep. */
  include(source: () => Iterable<Backlogged>): void {
    this.#sources.push(source);
    this.#start();
  }

  /** At a stream's own pace (a WebSocket's send): closes it at once when over its limit. */
  checkOne(stream: Backlogged): void {
    if (stream.unsent > this.#streamLimit) this.#close(stream);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #start(): void {
    this.#timer ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
  }

  /** Every stream over its limit closed, then the largest until the total is under the process's. */
  sweep(): void {
    const open: Backlogged[] = [];
    let total = 0;
    const look = (stream: Backlogged) => {
      const unsent = stream.unsent;
      if (unsent === 0) return;
      if (unsent > this.#streamLimit) {
        this.#close(stream);
        return;
      }
      total += unsent;
      open.push(stream);
    };
    for (const stream of this.#streams) look(stream);
    for (const source of this.#sources) for (const stream of source()) look(stream);
    if (total <= this.#processLimit) return;
    open.sort((a, b) => b.unsent - a.unsent);
    for (const stream of open) {
      if (total <= this.#processLimit) break;
      total -= stream.unsent;
      this.#close(stream);
    }
  }

  #close(stream: Backlogged): void {
    this.#closed++;
    this.#streams.delete(stream);
    stream.close();
  }
}
