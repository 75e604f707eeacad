/**
 * One plain upstream call: `POST {TALKSTACK_API_URL}/call` through one keep-alive undici
 * `Pool` (UPSTREAM_CONCURRENCY connections; further requests queue in the pool). No retry,
 * no timeout beyond undici's defaults, no dedup, no cache.
 */
import { GraphQLError } from 'graphql';
import { Pool } from 'undici';

export interface Talkstack {
  /** The raw call body, or null when Talkstack answers 404. */
  getCall(sid: string, projectId: string, credentials: Record<string, string>): Promise<unknown>;
  close(): Promise<void>;
}

export function createTalkstack(apiUrl: string, connections: number): Talkstack {
  const base = new URL(apiUrl);
  const path = `${base.pathname.replace(/\/+$/, '')}/call`;
  const pool = new Pool(base.origin, { connections });

  return {
    async getCall(sid, projectId, credentials) {
      const { statusCode, body } = await pool.request({
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', ...credentials },
        body: JSON.stringify({ sid, projectId }),
      });
      if (statusCode >= 200 && statusCode < 300) return body.json();
      await body.dump();
      if (statusCode === 404) return null;
      throw new GraphQLError(`Talkstack answered ${statusCode}.`, {
        extensions: { code: statusCode === 401 || statusCode === 403 ? 'UNAUTHENTICATED' : 'UPSTREAM_ERROR' },
      });
    },
    close: () => pool.close(),
  };
}
