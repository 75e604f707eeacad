/**
 * The server as `npm start` runs it with no setting (src/main.ts): demo mode, the simulator
 * in-process as upstream, the demo GraphiQL tabs written at each page load. In-process
 * and on a free loopback port, so tests can inject the simulator's clock.
 */
import { loadConfig, type Config } from '../../src/config/config.js';
import { startDemoUpstream, type DemoUpstream } from '../../src/demo/demoMode.js';
import { createLogger } from '../../src/logging/logger.js';
import { createServer, type CallsServer } from '../../src/app.js';
import type { SimulatorOptions } from '../../src/simulator/index.js';

export interface DemoServer {
  demo: DemoUpstream;
  server: CallsServer;
  /** base URL, e.g. http://127.0.0.1:1234 */
  url: string;
  /** every log line the server wrote (JSON text) */
  logs: string[];
  close(): Promise<void>;
}

export async function startDemoServer(
  options: { simulator?: SimulatorOptions; config?: Partial<Config> } = {},
): Promise<DemoServer> {
  // What `npm start` reads from an empty environment: demo mode on.
  const base = loadConfig({});
  if (!base.demo) throw new Error('an empty environment should mean demo mode');
  // A test's own upstreamTimeoutMs counts as set, as UPSTREAM_TIMEOUT_MS would (demo mode keeps it).
  const explicit = { upstreamTimeoutExplicit: options.config?.upstreamTimeoutMs !== undefined };
  const demo = await startDemoUpstream({ ...base, host: '127.0.0.1', port: 0, ...explicit, ...options.config }, options.simulator);
  const logs: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void logs.push(line) });
  const server = createServer(demo.config, { graphiqlTabs: demo.graphiqlTabs, logger });
  const url = await server.listen(0, '127.0.0.1');
  return {
    demo,
    server,
    url,
    logs,
    async close() {
      await server.close();
      await demo.simulator.close();
    },
  };
}
