/**
 * prom-client's default process metrics (CPU, memory, event loop lag, GC, handles…), in one
 * registry per process, made the first time a server with metrics asks for it.
 *
 * Why not in each server's registry: they describe the process, which every server in it
 * shares, and `collectDefaultMetrics` starts an event-loop-delay monitor and a GC observer
 * per call that are never stopped: one per server would pile up in a test process that starts
 * hundreds. The servers' own metrics stay in their own registries (serverMetrics.ts).
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

let processRegistry: Registry | undefined;

export function processMetricsRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}
