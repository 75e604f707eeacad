/**
 * The `/health` prober's own process (forked by healthProbe.ts): asks `GET <url>/health` every
 * 100 ms, one at a time, and answers each IPC message with the slowest answer since the last
 * one. In a process of its own so that the attacker's or the load generator's work in the
 * parent never shows as the server's latency.
 */
const url = process.argv[2];
let slowest = 0;
process.on('message', () => {
  process.send?.({ slowestMs: slowest });
  slowest = 0;
});
// The parent going away (even killed) must not leave this process behind.
process.on('disconnect', () => process.exit(0));
for (;;) {
  const started = performance.now();
  await fetch(`${url}/health`, { signal: AbortSignal.timeout(30_000) })
    .then((response) => response.text())
    .catch(() => undefined);
  slowest = Math.max(slowest, performance.now() - started);
  await new Promise((resolve) => setTimeout(resolve, 100));
}
