/**
 * /readiness over real HTTP (lifecycle/readiness.ts, answered in the Node layer): 200
 * {"status":"ready","redis":"off"} while serving, uncached JSON, 503 "draining" once the server
 * is told to stop, while it still serves requests. (The states themselves:
 * unit/lifecycle/readiness.test.ts; readiness of the real process on SIGTERM: shutdown.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { DEMO_SAMPLE_SIDS } from '../../../src/simulator/index.js';
import { startStack } from '../../support/stack.js';

const SID = DEMO_SAMPLE_SIDS[0]?.sid as string;

async function readiness(baseUrl: string) {
  const response = await fetch(`${baseUrl}/readiness`, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: (await response.json()) as unknown };
}

describe('/readiness', () => {
  it('/readiness answers 200 {"status":"ready","redis":"off"} while serving, 503 "draining" once told to stop', async () => {
    const stack = await startStack();
    try {
      expect(await readiness(stack.url)).toEqual({ status: 200, body: { status: 'ready', redis: 'off' } });
      const response = await fetch(`${stack.url}/readiness`);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(response.headers.get('cache-control')).toBe('no-store');
      await response.arrayBuffer();
      stack.server.drain();
      expect(await readiness(stack.url)).toEqual({ status: 503, body: { status: 'draining', redis: 'off' } });
      // Still serving while draining.
      expect((await stack.gql(`{ call(sid: "${SID}") { sid } }`)).body.data).toEqual({ call: { sid: SID } });
    } finally {
      await stack.close();
    }
  });
});
