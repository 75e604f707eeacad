/**
 * Huge, endless and slow bodies for the `stream` fault: a call JSON that is merely big
 * (`{"status":"completed","pad":"xxx…"}`), written chunk by chunk so that even an endless
 * body costs the simulator one prebuilt buffer, not memory proportional to its size.
 *
 * Everything that does not depend on the request (headers, the padding chunk, the chunks
 * that carry the JSON's prefix or suffix) is built once when the fault is injected.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { StreamFault } from './faults.js';

const PREFIX = Buffer.from('{"status":"completed","pad":"', 'latin1');
const SUFFIX = Buffer.from('"}', 'latin1');
const PAD = 'x'.charCodeAt(0);

/** Smallest finite body: the JSON around an empty pad. */
const MIN_STREAM_BYTES = PREFIX.length + SUFFIX.length;
const DEFAULT_CHUNK_BYTES = 64 * 1024;
// The padding chunk is allocated when the fault is injected: a typo must not cost gigabytes.
const MAX_CHUNK_BYTES = 16 * 1024 * 1024;
// Without backpressure (a fast reader) the pump would never give the event loop back.
const BURST_BYTES = 1024 * 1024;

/** What a stream fault's handle reports, shared by all its hits. */
export interface StreamCounters {
  /** Body bytes handed to the socket. */
  bytesSent: number;
  /** Hits whose client went away before the body was complete. */
  clientClosed: number;
}

export interface StreamPlan {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly intervalMs: number;
  /** Chunks in the body; `Infinity` when endless. */
  readonly chunks: number;
  /** Chunk `k`: an edge chunk, or else the shared padding chunk. */
  chunk(index: number): Buffer;
}

function checkBytes(bytes: unknown): number {
  if (bytes === Infinity) return bytes;
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < MIN_STREAM_BYTES) {
    throw new RangeError(`stream fault bytes must be Infinity or an integer >= ${MIN_STREAM_BYTES}, got ${String(bytes)}`);
  }
  return bytes;
}

/**
 * Chunk `index` of a body of `total` bytes (`Infinity`: endless, so no suffix), built byte by
 * byte: only for the few chunks holding the prefix or the suffix.
 */
function edgeChunk(index: number, chunkBytes: number, total: number): Buffer {
  const start = index * chunkBytes;
  const end = Math.min(start + chunkBytes, total);
  const chunk = Buffer.alloc(end - start, PAD);
  if (start < PREFIX.length) PREFIX.copy(chunk, 0, start, Math.min(PREFIX.length, end));
  const suffixStart = total - SUFFIX.length;
  if (end > suffixStart) SUFFIX.copy(chunk, Math.max(0, suffixStart - start), Math.max(0, start - suffixStart));
  return chunk;
}

/** Validates the fault's sizes and prebuilds its buffers; `status` is already checked by the caller. */
export function planStream(fault: StreamFault, status: number, contentType: string): StreamPlan {
  const total = checkBytes(fault.bytes);
  const chunkBytes = fault.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) {
    throw new RangeError(`stream fault chunkBytes must be an integer in 1..${MAX_CHUNK_BYTES}, got ${String(fault.chunkBytes)}`);
  }
  const intervalMs = fault.intervalMs ?? 0;
  if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs < 0) {
    throw new RangeError(`stream fault intervalMs must be a finite number >= 0, got ${String(fault.intervalMs)}`);
  }
  const endless = total === Infinity;
  const contentLength = fault.contentLength ?? !endless;
  if (contentLength && endless) throw new RangeError('an endless stream fault cannot have a content-length');

  const headers: OutgoingHttpHeaders = { 'content-type': contentType };
  // Without a content-length Node frames the body as chunked.
  if (contentLength) headers['content-length'] = String(total);

  const chunks = endless ? Infinity : Math.ceil(total / chunkBytes);
  const pad = Buffer.alloc(chunkBytes, PAD);
  const edges = new Map<number, Buffer>();
  const headChunks = Math.min(Math.ceil(PREFIX.length / chunkBytes), chunks);
  for (let index = 0; index < headChunks; index++) edges.set(index, edgeChunk(index, chunkBytes, total));
  // An endless body has no suffix: only the chunks holding the prefix are special.
  if (!endless) {
    for (let index = Math.floor((total - SUFFIX.length) / chunkBytes); index < chunks; index++) {
      if (!edges.has(index)) edges.set(index, edgeChunk(index, chunkBytes, total));
    }
  }
  return { status, headers, intervalMs, chunks, chunk: (index) => edges.get(index) ?? pad };
}

/**
 * Writes the planned body on `res`, `delayMs` from now. `bodyEnds` runs once, just before the
 * last chunk is written (so a client never holds a complete body while it is still counted in
 * flight); a client that goes away, even during the delay, stops everything and clears every
 * timer.
 */
export function sendStream(
  res: ServerResponse,
  plan: StreamPlan,
  counters: StreamCounters,
  delayMs: number,
  bodyEnds: () => void,
): void {
  if (res.destroyed) {
    counters.clientClosed++;
    return;
  }
  let index = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;

  const pump = (): void => {
    timer = undefined;
    immediate = undefined;
    let burst = 0;
    while (!stopped) {
      const chunk = plan.chunk(index++);
      counters.bytesSent += chunk.length;
      if (index >= plan.chunks) {
        stopped = true;
        bodyEnds();
        res.end(chunk);
        return;
      }
      burst += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', resume);
        return;
      }
      if (plan.intervalMs > 0) {
        timer = setTimeout(pump, plan.intervalMs);
        return;
      }
      if (burst >= BURST_BYTES) {
        immediate = setImmediate(pump);
        return;
      }
    }
  };
  // After backpressure, a drip still waits its interval: the pace is one chunk per interval at most.
  const resume = (): void => {
    if (stopped) return;
    if (plan.intervalMs > 0) timer = setTimeout(pump, plan.intervalMs);
    else pump();
  };

  const start = (): void => {
    res.writeHead(plan.status, plan.headers);
    pump();
  };

  res.once('close', () => {
    // 'close' also follows a normal end; only a body that never finished counts as cut short.
    if (!res.writableFinished) counters.clientClosed++;
    stopped = true;
    clearTimeout(timer);
    clearImmediate(immediate);
    res.off('drain', resume);
  });
  if (delayMs > 0) timer = setTimeout(start, delayMs);
  else start();
}
