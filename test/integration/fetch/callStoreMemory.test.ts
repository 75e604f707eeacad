/**
 * The store of calls stays within CACHE_MAX_BYTES on the heap (contract: "One store of calls,
 * bounded in bytes"): filled with three times what fits, in a process of its own with
 * `--expose-gc` (test/fixtures/fillCallStore.ts), the heap grows by at most 1.25 ×
 * CACHE_MAX_BYTES whatever the calls carry, and by at least half of it (the weights are not
 * so cautious that the store holds little).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const FILL = fileURLToPath(new URL('../../fixtures/fillCallStore.ts', import.meta.url));
const MAX_BYTES = 16 * 1024 * 1024;

describe.concurrent('the store of calls on the heap', () => {
  it.for(['mixed', '0', '3'])('calls of kind %s: heap growth within 1.25 × CACHE_MAX_BYTES', async (kind, { expect }) => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', FILL, String(MAX_BYTES), kind], { timeout: 30_000 });
    const result = JSON.parse(stdout) as { growth: number; weighed: number; held: number; calls: number };
    expect(result.weighed).toBeLessThanOrEqual(MAX_BYTES);
    expect(result.held).toBeLessThan(result.calls);
    expect(result.growth).toBeLessThanOrEqual(1.25 * MAX_BYTES);
    expect(result.growth).toBeGreaterThanOrEqual(0.5 * MAX_BYTES);
  });
});
