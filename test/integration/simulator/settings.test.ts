/**
 * `npm run simulator`'s settings (simulator/settings.ts, main.ts): the misbehaviour switches
 * from SIMULATOR_* variables and command-line flags (flags win, one setting at a time), off
 * by default; invalid values refused naming the variable or flag; the admin route refused on
 * a host other machines can reach. Then main.ts as the process it is (`node --import tsx`):
 * the banner names what is switched on and the simulator misbehaves accordingly; a refused
 * setting ends start-up with exit 1 and one line.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readSettings, SettingError, type SimulatorSettings } from '../../../src/simulator/settings.js';
import { waitForUrl } from '../../../bench/lib/serverProcess.js';
import { killAll, spawnNode, waitForExit } from '../../support/serverProcess.js';
import { KEY, QUIET_SIMULATOR_ENV, SID } from '../../support/simulatorHttp.js';
import { DEMO_PROJECT_ID } from '../../../src/simulator/index.js';

async function callStatus(url: string): Promise<number> {
  const res = await fetch(`${url}/call`, { method: 'POST', headers: KEY, body: JSON.stringify({ sid: SID, projectId: DEMO_PROJECT_ID }) });
  await res.arrayBuffer();
  return res.status;
}

function misbehaviour(settings: SimulatorSettings): Pick<SimulatorSettings, 'rateLimit' | 'outage' | 'hang' | 'admin'> {
  const { rateLimit, outage, hang, admin } = settings;
  return { rateLimit, outage, hang, admin };
}

describe('simulator settings', () => {
  it('keeps every misbehaviour off by default', () => {
    const settings = readSettings({}, []);
    expect(misbehaviour(settings)).toEqual({ rateLimit: undefined, outage: 'off', hang: false, admin: false });
    expect(settings).toMatchObject({ port: 4010, host: '127.0.0.1', latencyMs: 0 });
  });

  it('reads the variables', () => {
    const settings = readSettings(
      {
        SIMULATOR_RATE_LIMIT: '50',
        SIMULATOR_RATE_LIMIT_BURST: '80',
        SIMULATOR_RATE_LIMIT_HEADERS: '1',
        SIMULATOR_OUTAGE: '503',
        SIMULATOR_HANG: 'TRUE',
        SIMULATOR_ADMIN: 'true',
        SIMULATOR_HOST: 'localhost',
      },
      [],
    );
    expect(misbehaviour(settings)).toEqual({ rateLimit: { perSecond: 50, burst: 80, headers: true }, outage: 503, hang: true, admin: true });
    expect(readSettings({ SIMULATOR_RATE_LIMIT: '7', SIMULATOR_OUTAGE: 'refuse', SIMULATOR_HANG: '0' }, [])).toMatchObject({
      rateLimit: { perSecond: 7, burst: 7, headers: false },
      outage: 'refuse',
      hang: false,
    });
  });

  it('lets flags override the variables, one setting at a time', () => {
    const settings = readSettings({ SIMULATOR_RATE_LIMIT: '10', SIMULATOR_OUTAGE: '503', SIMULATOR_HANG: 'true' }, [
      '--rate-limit-burst=20',
      '--rate-limit-headers',
      '--outage=off',
      '--hang=false',
      '--admin',
    ]);
    expect(misbehaviour(settings)).toEqual({ rateLimit: { perSecond: 10, burst: 20, headers: true }, outage: 'off', hang: false, admin: true });
    expect(readSettings({}, ['--rate-limit=5', '--rate-limit=50']).rateLimit).toEqual({ perSecond: 50, burst: 50, headers: false });
  });

  it('refuses invalid values, naming the variable or the flag', () => {
    const refused: Array<[NodeJS.ProcessEnv, string[], RegExp]> = [
      [{ SIMULATOR_RATE_LIMIT: '0' }, [], /^SIMULATOR_RATE_LIMIT must be an integer in 1\.\.100000, got "0"$/],
      [{ SIMULATOR_RATE_LIMIT: '2.5' }, [], /^SIMULATOR_RATE_LIMIT must be/],
      [{}, ['--rate-limit=lots'], /^--rate-limit must be an integer/],
      [{}, ['--rate-limit'], /^--rate-limit needs a value/],
      [{ SIMULATOR_RATE_LIMIT: '5', SIMULATOR_RATE_LIMIT_BURST: '-1' }, [], /^SIMULATOR_RATE_LIMIT_BURST must be/],
      [{ SIMULATOR_RATE_LIMIT_BURST: '5' }, [], /^SIMULATOR_RATE_LIMIT_BURST needs a rate limit/],
      [{}, ['--rate-limit-headers'], /^--rate-limit-headers needs a rate limit/],
      [{ SIMULATOR_RATE_LIMIT: '5', SIMULATOR_RATE_LIMIT_HEADERS: 'yes' }, [], /^SIMULATOR_RATE_LIMIT_HEADERS must be true, false, 1 or 0/],
      [{ SIMULATOR_OUTAGE: '404' }, [], /^SIMULATOR_OUTAGE must be off, refuse or a status 500\.\.599, got "404"$/],
      [{}, ['--outage=down'], /^--outage must be/],
      [{ SIMULATOR_HANG: 'maybe' }, [], /^SIMULATOR_HANG must be/],
      [{}, ['--hang=2'], /^--hang must be/],
      [{}, ['--bogus'], /^unknown argument "--bogus"/],
      [{}, ['503'], /^unknown argument "503"/],
      [{ SIMULATOR_ADMIN: '1', SIMULATOR_HOST: '0.0.0.0' }, [], /^SIMULATOR_ADMIN needs SIMULATOR_HOST to be 127\.0\.0\.1, ::1 or localhost, got "0\.0\.0\.0"/],
      [{ SIMULATOR_HOST: '192.0.2.1' }, ['--admin'], /^--admin needs SIMULATOR_HOST/],
    ];
    for (const [env, argv, message] of refused) {
      const run = (): unknown => readSettings(env, argv);
      expect(run, `${JSON.stringify(env)} ${argv.join(' ')}`).toThrow(SettingError);
      expect(run).toThrow(message);
    }
    // Headers off needs no rate limit: it changes nothing either way.
    expect(readSettings({ SIMULATOR_RATE_LIMIT_HEADERS: 'false' }, []).rateLimit).toBeUndefined();
  });
});

describe('npm run simulator', () => {
  afterAll(() => killAll());

  const quiet = QUIET_SIMULATOR_ENV;

  it('prints the active misbehaviour and misbehaves', async () => {
    const running = spawnNode(['--import', 'tsx', 'src/simulator/main.ts', '--outage=503', '--admin'], { ...quiet, SIMULATOR_RATE_LIMIT: '3' });
    const url = await waitForUrl(running, /listening on (http:\/\/127\.0\.0\.1:\d+) /);
    const stdout = running.stdout();
    expect(stdout).toContain('rate limit: 3/s per credential, burst 3 (then 429 with Retry-After)');
    expect(stdout).toContain('outage: every POST /call answers 503');
    expect(stdout).toContain(`curl -s ${url}/__admin`);
    expect(stdout).not.toContain('hang:');
    expect(await callStatus(url)).toBe(503);
    const admin = await fetch(`${url}/__admin`, { method: 'POST', body: JSON.stringify({ outage: 'off' }) });
    expect(await admin.json()).toEqual({ rateLimit: { perSecond: 3, burst: 3, headers: false }, outage: 'off', hang: false });
    expect(await callStatus(url)).toBe(200);
    running.child.kill('SIGTERM');
    expect((await waitForExit(running)).code).toBe(0);
  });

  it('refuses to start with the admin route on a non-loopback host', async () => {
    const running = spawnNode(['--import', 'tsx', 'src/simulator/main.ts'], { ...quiet, SIMULATOR_HOST: '0.0.0.0', SIMULATOR_ADMIN: 'true' });
    expect((await waitForExit(running)).code).toBe(1);
    expect(running.stderr().trim()).toMatch(/^simulator: SIMULATOR_ADMIN needs SIMULATOR_HOST to be 127\.0\.0\.1, ::1 or localhost, got "0\.0\.0\.0"/);
    expect(running.stdout()).toBe('');
  });
});
