/**
 * The Federating docs' Hive Gateway configuration, found by `npx hive-gateway` run in this
 * folder (it reads ./gateway.config.ts): the client's credential forwarded to this server
 * ("calls"), and subscriptions to it as JSON POSTs, which its CSRF prevention lets through.
 * test/integration/federation/exampleFederation.test.ts runs its gateway with this very
 * object and keeps it identical to the tests' (test/support/gateway.ts).
 */
import type { GatewayConfigBase } from '@graphql-hive/gateway-runtime';

// In your own gateway project: `import { defineConfig } from '@graphql-hive/gateway';`. Its
// defineConfig only types its argument; this one does the same, so this repository
// type-checks without the CLI package (`@graphql-hive/gateway-runtime` is a devDependency).
const defineConfig = (config: GatewayConfigBase<Record<string, unknown>>) => config;

export const gatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs({ request, subgraphName }) {
      if (subgraphName !== 'calls') return;
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'x-api-key']) {
        const value = request.headers.get(name);
        if (value) headers[name] = value;
      }
      return headers;
    },
  },
  transportEntries: {
    calls: {
      // Subscriptions too go as JSON POSTs (by default a GET, which CSRF prevention refuses).
      options: { method: 'POST' },
    },
  },
});
