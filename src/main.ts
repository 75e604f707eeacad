/**
 * Entry point: read the configuration, start the simulator in demo mode, serve, and stop
 * cleanly on SIGTERM/SIGINT (shutdown.ts). Mistakes a newcomer makes (invalid settings, a
 * busy port) end with a line saying what to change, not a stack trace.
 */
import { setFlagsFromString } from 'node:v8';
import { ConfigError } from './config/config.js';
import { loadStartup, type Startup } from './config/startup.js';
import { startDemoUpstream } from './demo/demoMode.js';
import { describeListenError } from './lifecycle/listenErrors.js';
import { createLogger } from './logging/logger.js';
import { urlForLog } from './logging/logText.js';
import { createServer } from './app.js';
import { GRAPHQL_PATH } from './graphql/yoga.js';
import { installShutdown } from './lifecycle/shutdown.js';

async function main(): Promise<void> {
  let startup: Startup;
  try {
    startup = loadStartup();
  } catch (error) {
    if (error instanceof ConfigError) {
      // Every invalid setting, one line each: a start reports them all, not the first only.
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const { config, trustedDocuments } = startup;

  // Under fan-out load most garbage lives as long as its operation (hundreds of ms) and is
  // promoted; V8 then grows the old generation by up to 4× per cycle. Capping growth at 2×
  // measured −25–30 % peak RSS for ~5 % CPU (npm run bench, w4). V8 reads the flag at each
  // GC, so setting it here, before the load, takes effect.
  if (config.heapGrowingPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.heapGrowingPercent}`);

  const logger = createLogger(config.logLevel);
  // Whoever reads stdout may go away (`npm start | head`): the server goes on unheard rather
  // than die of an EPIPE on the banner (log lines stop at the first EPIPE: logging/logger.ts).
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  // Last resort: a promise nobody awaited fails its own request, not the whole process.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection; the server goes on'));
  const demo = config.demo ? await startDemoUpstream(config) : undefined;
  if (!demo && config.talkstackApiKey && !config.allowedHosts) {
    logger.warn(
      'TALKSTACK_API_KEY is set without ALLOWED_HOSTS: a page on another site could reach this server under a name it controls (DNS rebinding) and read calls with the server\'s key; list the Host names this server is reached by in ALLOWED_HOSTS',
    );
  }
  const server = createServer(demo?.config ?? config, {
    logger,
    ...(trustedDocuments ? { trustedDocuments } : {}),
    ...(demo ? { graphiqlTabs: demo.graphiqlTabs } : {}),
  });
  installShutdown({
    server,
    delayMs: config.shutdownDelayMs,
    graceMs: config.shutdownGraceMs,
    alsoClose: demo ? [() => demo.simulator.close()] : [],
    log: (message, fields) => logger.info(fields ?? {}, message),
    exit: (code) => process.exit(code),
  });

  let url: string;
  try {
    url = await server.listen();
  } catch (error) {
    const message = describeListenError(error, config.port, config.host);
    if (message === undefined) throw error;
    console.error(message);
    process.exit(1);
  }
  const shown = url.replace('://0.0.0.0:', '://localhost:').replace('://[::]:', '://localhost:');

  const trusted = trustedDocuments;
  const mode = trusted ? ` (trusted documents only: ${trusted.size} from ${config.persistedDocumentsFile})` : config.graphiql ? ' (GraphiQL in a browser)' : '';
  console.log(`Talkstack calls GraphQL API on ${shown}${GRAPHQL_PATH}${mode}`);
  if (demo) for (const line of demo.banner) console.log(line);
  else console.log(`Upstream: ${urlForLog(config.talkstackApiUrl)}`);
}

await main();
