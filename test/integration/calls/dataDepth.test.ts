/**
 * A call whose `data` Talkstack sends 5,000 levels deep, over real HTTP against the
 * simulator: it resolves with its data cut at depth 32 (calls/dataDepth.ts), and the calls
 * beside it in the operation resolve as usual. (The cut itself: unit/calls/dataDepth.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { DEMO_CALLS } from '../../../src/simulator/index.js';
import { startStack } from '../../support/stack.js';

const sid = (DEMO_CALLS[0] as { sid: string }).sid;

describe('data nested deeper than 32 levels', () => {
  it('a call whose data is 5,000 levels deep resolves, cut at depth 32, and so do its neighbours', async () => {
    const stack = await startStack();
    try {
      const levels = 5000;
      stack.sim.injectFault('CAdeep', { type: 'raw', body: `{"status":"completed","data":${'{"a":'.repeat(levels)}"leaf"${'}'.repeat(levels)}}` });
      const answer = await stack.gql<{ deep: { data: unknown }; other: unknown }>(`{ deep: call(sid: "CAdeep") { sid data } other: call(sid: "${sid}") { sid status } }`);
      expect(answer.body.errors).toBeUndefined();
      let value = answer.body.data?.deep.data;
      // `data` is depth 1: the object at depth 31 holds the cut.
      for (let depth = 1; depth < 31; depth++) value = (value as { a: unknown }).a;
      expect(value).toEqual({ a: null });
      expect(answer.body.data?.other).toEqual({ sid, status: 'COMPLETED' });
    } finally {
      await stack.close();
    }
  });
});
