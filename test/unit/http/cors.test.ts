/**
 * The upgrade-origin rule of the WebSocket transport (http/cors.ts), as functions: no Origin,
 * a listed origin (CORS_ORIGINS) and the server's own scheme and Host are allowed; anything
 * else, look-alikes included, is refused; behind a proxy the forwarded scheme and host count.
 * (CORS over HTTP: integration/http/cors.test.ts; the upgrade answered 403:
 * integration/websocket/webSocketEndpoint.test.ts.)
 */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { DEMO_DASHBOARD_ORIGIN } from '../../../src/config/config.js';
import { isAllowedUpgradeOrigin, isAllowedUpgradeRequest, isSameOrigin } from '../../../src/http/cors.js';

const DASHBOARD = 'https://dash.example.com';

describe('isAllowedUpgradeOrigin', () => {
  const config = { corsOrigins: [DASHBOARD, DEMO_DASHBOARD_ORIGIN] };

  it('allows no Origin, a listed origin, and the server’s own scheme and Host', () => {
    expect(isAllowedUpgradeOrigin(undefined, 'api.example.com', config)).toBe(true);
    expect(isAllowedUpgradeOrigin(DASHBOARD, 'api.example.com', config, 'https')).toBe(true);
    expect(isAllowedUpgradeOrigin('http://127.0.0.1:4000', '127.0.0.1:4000', config)).toBe(true);
    expect(isAllowedUpgradeOrigin('https://api.example.com', 'api.example.com', config, 'https')).toBe(true);
    // Host is case-insensitive and may spell the default port; Origin never does.
    expect(isAllowedUpgradeOrigin('https://api.example.com', 'API.Example.com:443', config, 'https')).toBe(true);
    expect(isAllowedUpgradeOrigin('http://api.example.com', 'api.example.com:80', config)).toBe(true);
    expect(isAllowedUpgradeOrigin('http://[::1]:4000', '[::1]:4000', config)).toBe(true);
  });

  it.each([
    ['https://evil.example.com', 'api.example.com', 'https'],
    ['http://localhost:40011', 'api.example.com', 'http'],
    ['http://evil.localhost:4001', 'api.example.com', 'http'],
    // same host, another scheme or port
    ['http://api.example.com', 'api.example.com', 'https'],
    ['https://api.example.com', 'api.example.com', 'http'],
    ['https://api.example.com:8443', 'api.example.com', 'https'],
    ['https://api.example.com', 'api.example.com:8443', 'https'],
    // look-alikes of the Host
    ['https://api.example.com.evil.com', 'api.example.com', 'https'],
    ['https://evil.com', 'evil.com@api.example.com', 'https'],
    ['https://api.example.com/x', 'api.example.com/x', 'https'],
    ['https://api.example.com', undefined, 'https'],
    ['null', 'api.example.com', 'https'],
    ['', 'api.example.com', 'https'],
  ] as const)('refuses %j with Host %j over %s', (origin, host, scheme) => {
    expect(isAllowedUpgradeOrigin(origin, host, config, scheme)).toBe(false);
  });

  it('reads the scheme and host a proxy forwarded', () => {
    const request = (headers: Record<string, string>, encrypted = false) => ({ headers, socket: { encrypted } }) as unknown as IncomingMessage;
    const behindProxy = { host: 'calls:4000', 'x-forwarded-host': 'api.example.com', 'x-forwarded-proto': 'https' };
    expect(isAllowedUpgradeRequest(request({ ...behindProxy, origin: 'https://api.example.com' }), config)).toBe(true);
    expect(isAllowedUpgradeRequest(request({ ...behindProxy, origin: 'http://api.example.com' }), config)).toBe(false);
    expect(isAllowedUpgradeRequest(request({ ...behindProxy, origin: 'https://evil.example.com' }), config)).toBe(false);
    expect(isAllowedUpgradeRequest(request({ host: 'api.example.com', origin: 'https://api.example.com' }, true), config)).toBe(true);
    expect(isAllowedUpgradeRequest(request({ host: 'api.example.com', origin: 'https://api.example.com' }), config)).toBe(false);
    expect(isAllowedUpgradeRequest(request({ host: 'api.example.com' }), config)).toBe(true);
    expect(isSameOrigin('https://api.example.com', 'api.example.com', 'https')).toBe(true);
  });
});
