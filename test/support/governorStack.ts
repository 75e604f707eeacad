/**
 * What the governor's loopback tests share (integration/governor/pacing and circuitBreaker):
 * the page they ask for, fresh completed calls stored in the demo project, a stack per test,
 * and the rows of a page that failed.
 */
import { DEMO_PROJECT_ID } from '../../src/simulator/index.js';
import { type GraphQLResponse, startStack, type Stack } from './stack.js';

export const PAGE = 'query Page($sids: [ID!]!) { calls(sids: $sids) { sid status } }';
export type PageData = { calls: ({ sid: string; status: string } | null)[] };

let fresh = 0;
/** `count` calls stored in the demo project (completed, unless `body` says otherwise), never asked before. */
export function freshCalls(stack: Stack, count: number, body: Record<string, unknown> = { status: 'completed', seconds: 3, cost: 0.1 }): string[] {
  return Array.from({ length: count }, () => {
    const sid = `CAgov${process.pid}x${++fresh}`;
    stack.sim.setCall(DEMO_PROJECT_ID, sid, body);
    return sid;
  });
}

/** The rows of a page that came back null (failed). */
export const failedRows = (response: GraphQLResponse<PageData>) => (response.body.data?.calls ?? []).filter((row) => row === null).length;

/** Runs `run` with a stack of its own, closed afterwards whatever happens. */
export async function withStack<T>(options: Parameters<typeof startStack>[0], run: (stack: Stack) => Promise<T>): Promise<T> {
  const stack = await startStack(options);
  try {
    return await run(stack);
  } finally {
    await stack.close();
  }
}
