/** Names the bench runner and its upstream process agree on. */

/** The project whose every sid the bench upstream answers with a synthetic call. */
export const BENCH_PROJECT = 'bench-project';

/** The credential of every workload but fairness (the simulator's demo account). */
export const BENCH_KEY = 'demo-key';

/** Fairness: a heavy tenant paging 500 calls, a light one asking for single calls. */
export const TENANT_KEYS = { heavy: 'bench-heavy-key', light: 'bench-light-key' } as const;
