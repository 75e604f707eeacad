/**
 * Entry point: read the configuration, start the simulator in demo mode, serve.
 */
import { setFlagsFromString } from 'node:v8';
import { ConfigError, loadConfig, type Config } from './config.js';
import { startDemoUpstream } from './demo.js';
import { createServer, GRAPHQL_PATH } from './server.js';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }

  // Under fan-out load most garbage lives as long as its operation (hundreds of ms) and is
  // promoted; V8 then grows the old generation by up to 4× per cycle. Capping growth at 2×
  // measured −25–30 % peak RSS for ~5 % CPU (npm run bench, w4). V8 reads the flag at each
  // GC, so setting it here, before the load, takes effect.
  if (config.heapGrowingPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.heapGrowingPercent}`);

  const demo = config.demo ? await startDemoUpstream(config) : undefined;
  const server = createServer(demo?.config ?? config, {
    ...(demo ? { graphiqlDefaultQuery: demo.graphiqlDefaultQuery } : {}),
  });
  const url = await server.listen();
  const shown = url.replace('://0.0.0.0:', '://localhost:').replace('://[::]:', '://localhost:');

  console.log(`Talkstack calls GraphQL API on ${shown}${GRAPHQL_PATH}${config.graphiql ? ' (GraphiQL in a browser)' : ''}`);
  if (demo) for (const line of demo.banner) console.log(line);
  else console.log(`Upstream: ${config.talkstackApiUrl}`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close();
    await demo?.simulator.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

await main();
