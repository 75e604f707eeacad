/**
 * The GraphQL server under soak: the compiled entry in a process of its own, so its RSS is
 * its own (not mixed with the load generator's) and a crash is an exit, not a thrown error
 * in the soak. It gets this shell's environment without any server setting, plus the soak's.
 */
import { inheritedEnv, SERVER_ENTRY, startServerProcess, type ServerProcess } from '../lib/serverProcess.js';

export interface ServerSettings {
  entry?: string | undefined;
  upstreamUrl: string;
  apiKey: string;
  projectId: string;
  upstreamTimeoutMs: number;
  upstreamRetries: number;
  startTimeoutMs: number;
}

export function startServer(settings: ServerSettings): Promise<ServerProcess> {
  return startServerProcess({
    name: 'the server',
    entry: settings.entry ?? SERVER_ENTRY,
    env: inheritedEnv({
      TALKSTACK_API_URL: settings.upstreamUrl,
      TALKSTACK_API_KEY: settings.apiKey,
      TALKSTACK_PROJECT_ID: settings.projectId,
      TALKSTACK_DEMO: '0',
      UPSTREAM_TIMEOUT_MS: String(settings.upstreamTimeoutMs),
      UPSTREAM_RETRIES: String(settings.upstreamRetries),
      // The rationed tenant (soakUpstream.ts) is refused 429 by one of its sids on every try,
      // so its learned pace keeps falling: its calls must give up (RATE_LIMITED) well within
      // the load's own request timeout, not wait the default 10 s.
      UPSTREAM_MAX_WAIT_MS: '1000',
    }),
    startTimeoutMs: settings.startTimeoutMs,
  });
}
