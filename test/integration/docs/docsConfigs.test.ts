/**
 * The YAML blocks of the docs, read from the pages themselves and parsed (package `yaml`), run
 * as far as this machine allows against one server of this project (test/support/stack.ts: a
 * simulator and a server on loopback ports, metrics on as by default, no Talkstack key of its
 * own, so every credential is the request's):
 * - docs/observability.md Prometheus `scrape_configs`: what Prometheus would do for the job,
 *   after one upstream request so series exist: a GET of its `metrics_path` (with Prometheus'
 *   `Accept`): 200, Prometheus text exposition (`text/plain; version=0.0.4`, `# TYPE` lines,
 *   sample lines). The "Useful queries" paragraph right below the block: every metric its
 *   PromQL spans use (`talkstack_…`) is in that scrape, with every label the spans name (in
 *   `by (…)` or `{label="…"}`), and the matched label values;
 * - the Apollo Router `router.yaml` blocks of docs/clients.md (`subscription:` + `headers:`)
 *   and docs/federation.md (`headers:`). Apollo Router itself cannot run here, so what they name
 *   is checked against this server instead: the subgraph they configure is the name this server
 *   gets in the supergraph `npm run compose` prints (scripts/compose.ts run as compose.test.ts
 *   runs it, `--calls-url` this server's URL at the block's `path`); the subscription block's
 *   `path` is where this server accepts WebSocket, and `protocol: graphql_ws` (Router's name for
 *   graphql-transport-ws) is the subprotocol it speaks there: a `callUpdates` subscription for a
 *   completed demo call, with the credential in `connection_init` under each propagated header
 *   name, gets one final event, then `complete`; each `propagate: named: X` header, sent to this
 *   server with the simulator's demo credential for it, reaches upstream authenticated (the call
 *   answers with data), and without it the answer is UNAUTHENTICATED.
 * Not run: Apollo Router and Prometheus themselves (not on this machine), so neither how Router
 * puts a propagated header into `connection_init` (docs/clients.md says this is not verified) nor
 * Prometheus' own parsing, scheduling (`scrape_interval`) and PromQL evaluation; the
 * `static_configs` targets are the page's example hosts, not this server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DEMO_API_KEY, DEMO_BEARER_TOKEN } from '../../../src/simulator/index.js';
import { DOC_PAGES, docBlocks, docPage, type DocBlock } from '../../support/docBlocks.js';
import { WsConnection, wsUrlOf } from '../../support/graphqlWsClient.js';
import { killAll, type Running, spawnNode, waitForExit } from '../../support/serverProcess.js';
import { SID } from '../../support/simulatorHttp.js';
import { codesOf, startStack, type Stack } from '../../support/stack.js';

const COMPOSE_TIMEOUT_MS = 10_000;
const CALL = `query Call($sid: ID!) { call(sid: $sid) { sid status } }`;
const CALL_UPDATES = `subscription Watch($sid: ID!) { callUpdates(sid: $sid) { sid status isFinal } }`;
/** What Prometheus (2.x, 3.x) sends when it scrapes. */
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';
/** Router's `protocol` values and the WebSocket subprotocols they mean. */
const ROUTER_PROTOCOLS: Record<string, string> = { graphql_ws: 'graphql-transport-ws' };
/** The simulator's demo credential, as each header the blocks propagate carries it. */
const DEMO_CREDENTIAL: Record<string, string> = { 'x-api-key': DEMO_API_KEY, authorization: `Bearer ${DEMO_BEARER_TOKEN}` };

const yamlBlocks = (page: string): Array<DocBlock & { where: string; config: unknown }> =>
  docBlocks(docPage(page))
    .filter((block) => block.lang === 'yaml' || block.lang === 'yml')
    .map((block) => {
      const where = `${page}:${block.line}`;
      try {
        return { ...block, where, config: parseYaml(block.body) as unknown };
      } catch (error) {
        throw new Error(`${where}: the YAML block does not parse: ${error instanceof Error ? error.message : String(error)}`);
      }
    });


const observability = yamlBlocks('docs/observability.md');
const clients = yamlBlocks('docs/clients.md');
const federation = yamlBlocks('docs/federation.md');
const scrapeBlock = observability.find((block) => block.body.startsWith('scrape_configs:'));
const routerBlocks = [...clients.filter((block) => block.body.startsWith('subscription:')), ...federation.filter((block) => block.body.startsWith('headers:'))];
const subscriptionBlock = routerBlocks.find((block) => block.body.startsWith('subscription:'));

interface ScrapeConfig {
  scrape_configs: Array<{ job_name: string; metrics_path?: string }>;
}
interface RouterConfig {
  subscription?: { enabled: boolean; mode: { passthrough: { subgraphs: Record<string, { path: string; protocol: string }> } } };
  headers: { subgraphs: Record<string, { request: Array<{ propagate?: { named: string } }> }> };
}

/** The subgraphs a Router block configures headers for, with the header names it propagates. */
const propagated = (block: { config: unknown }): Array<{ subgraph: string; header: string }> =>
  Object.entries((block.config as RouterConfig).headers.subgraphs).flatMap(([subgraph, { request }]) =>
    request.flatMap((rule) => (rule.propagate ? [{ subgraph, header: rule.propagate.named.toLowerCase() }] : [])),
  );

interface Sample {
  name: string;
  labels: Record<string, string>;
}

/** The sample lines of Prometheus text exposition (no escapes in label values: this server writes none). */
function samplesOf(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      expect(Number.isNaN(Number(match[3])) && match[3] !== 'NaN', line).toBe(false);
      const labels: Record<string, string> = {};
      for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)) labels[pair[1] as string] = pair[2] as string;
      return { name: match[1] as string, labels };
    });
}

/** The paragraph right below a block (its closing fence skipped), up to the next blank line. */
function paragraphAfter(page: string, block: DocBlock): string {
  const markdown = docPage(page);
  const lines = markdown.split('\n');
  const close = block.line - 1 + block.body.split('\n').length;
  expect(lines[close]?.trim(), `${page}:${close + 1} closes the block`).toBe('```');
  const rest = lines.slice(close + 1);
  const start = rest.findIndex((line) => line.trim() !== '');
  const end = rest.findIndex((line, i) => i > start && line.trim() === '');
  return rest.slice(start, end === -1 ? undefined : end).join('\n');
}

describe('YAML blocks of docs/', () => {
  let stack: Stack;
  let composing: Running;

  beforeAll(async () => {
    // No `x-api-key` by default and no service key: each request's credential is its own.
    stack = await startStack({ defaultHeaders: {} });
    const path = subscriptionBlock ? Object.values((subscriptionBlock.config as RouterConfig).subscription?.mode.passthrough.subgraphs ?? {})[0]?.path : undefined;
    // Started now, read by its test: it runs while the others do.
    composing = spawnNode(['--import', 'tsx', 'scripts/compose.ts', '--calls-url', `${stack.url}${path ?? '/graphql'}`], {});
  });
  afterAll(async () => {
    killAll();
    await stack?.close();
  });

  it('the pages have exactly the YAML blocks this file runs, and no other page has any', () => {
    expect(DOC_PAGES.flatMap((page) => yamlBlocks(page).map((block) => block.where)).sort()).toEqual(
      [...observability, ...clients, ...federation].map((block) => block.where).sort(),
    );
    expect(observability.map((block) => block.where)).toEqual([scrapeBlock?.where]);
    expect(clients.map((block) => block.where)).toEqual([subscriptionBlock?.where]);
    expect(federation).toHaveLength(1);
    expect(routerBlocks).toHaveLength(2);
  });

  it('observability.md scrape_configs: the job scrapes Prometheus text from metrics_path, with every metric and label the "Useful queries" use', async () => {
    const block = scrapeBlock as NonNullable<typeof scrapeBlock>;
    const jobs = (block.config as ScrapeConfig).scrape_configs;
    expect(jobs, block.where).toHaveLength(1);
    const job = jobs[0] as ScrapeConfig['scrape_configs'][number];
    // Prometheus' own default, when a job leaves it out.
    const metricsPath = job.metrics_path ?? '/metrics';

    const called = await stack.gql(CALL, { sid: SID }, { 'x-api-key': DEMO_API_KEY });
    expect(codesOf(called)).toEqual([]);
    // The same call again: answered from the cache, so cache series exist with a hit.
    expect(codesOf(await stack.gql(CALL, { sid: SID }, { 'x-api-key': DEMO_API_KEY }))).toEqual([]);

    const response = await fetch(`${stack.url}${metricsPath}`, { headers: { accept: PROMETHEUS_ACCEPT, 'user-agent': 'Prometheus/3.5.0' } });
    expect(response.status, `${block.where}: GET ${metricsPath}`).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; ?version=0\.0\.4/);
    const text = await response.text();
    expect(text).toMatch(/^# (HELP|TYPE) /m);
    const samples = samplesOf(text);
    expect(samples.length).toBeGreaterThan(0);

    const paragraph = paragraphAfter('docs/observability.md', block);
    expect(paragraph, `the paragraph below ${block.where}`).toMatch(/^Useful queries:/);
    const spans = [...paragraph.matchAll(/`([^`]+)`/g)].map((match) => (match[1] as string).replace(/\s+/g, ' ')).filter((span) => span.includes('talkstack_'));
    expect(spans.length, 'PromQL spans in "Useful queries"').toBeGreaterThan(0);
    for (const span of spans) {
      const metrics = [...span.matchAll(/\btalkstack_\w+/g)].map((match) => match[0]);
      expect(metrics, span).toHaveLength(1);
      const metric = metrics[0] as string;
      const series = samples.filter((sample) => sample.name === metric);
      expect(series.length, `${metric} (used in \`${span}\`) is in the scrape`).toBeGreaterThan(0);
      const grouped = [...span.matchAll(/\bby \(([^)]*)\)/g)].flatMap((match) => (match[1] as string).split(',').map((label) => label.trim()));
      const matchers = [...span.matchAll(/([a-zA-Z_]\w*)\s*(=~|!=|!~|=)\s*"([^"]*)"/g)].map((match) => ({ label: match[1] as string, op: match[2], value: match[3] as string }));
      for (const label of [...grouped, ...matchers.map((matcher) => matcher.label)]) {
        expect(
          series.some((sample) => label in sample.labels),
          `${metric} has label ${label} (used in \`${span}\`)`,
        ).toBe(true);
      }
      for (const { label, op, value } of matchers.filter((matcher) => matcher.op === '=')) {
        expect(
          series.some((sample) => sample.labels[label] === value),
          `${metric}{${label}${op}"${value}"} (used in \`${span}\`) matches a series`,
        ).toBe(true);
      }
    }
  });

  it('the Router blocks configure the subgraph `npm run compose` names this server', async () => {
    const { code } = await waitForExit(composing, COMPOSE_TIMEOUT_MS);
    expect(composing.stderr()).toBe('');
    expect(code).toBe(0);
    const graphs = [...composing.stdout().matchAll(/@join__graph\(name: "([^"]+)", url: "([^"]+)"\)/g)].map((match) => ({ name: match[1], url: match[2] }));
    expect(graphs).toHaveLength(1);
    const [graph] = graphs;
    expect(graph?.url).toMatch(new RegExp(`^${stack.url.replace(/[.]/g, '\\.')}/`));
    for (const block of routerBlocks) {
      const config = block.config as RouterConfig;
      expect(Object.keys(config.headers.subgraphs), block.where).toEqual([graph?.name]);
      if (config.subscription) expect(Object.keys(config.subscription.mode.passthrough.subgraphs), block.where).toEqual([graph?.name]);
    }
  }, COMPOSE_TIMEOUT_MS + 2000);

  it('clients.md subscription: graphql-transport-ws at `path`, the credential in connection_init under a propagated name: one final event, then complete', async () => {
    const block = subscriptionBlock as NonNullable<typeof subscriptionBlock>;
    const config = block.config as RouterConfig;
    expect(config.subscription?.enabled, block.where).toBe(true);
    const [subgraph] = Object.values(config.subscription?.mode.passthrough.subgraphs ?? {});
    const protocol = ROUTER_PROTOCOLS[subgraph?.protocol ?? ''];
    expect(protocol, `${block.where}: protocol ${subgraph?.protocol}`).toBeDefined();
    const headers = propagated(block).map(({ header }) => header);
    expect(headers.length, block.where).toBeGreaterThan(0);
    for (const header of headers) {
      const connection = new WsConnection(wsUrlOf(stack.url, subgraph?.path), { connectionParams: { [header]: DEMO_CREDENTIAL[header] } });
      try {
        await connection.waitConnected();
        expect(connection.socket?.protocol, `${block.where}: ${subgraph?.protocol}`).toBe(protocol);
        const operation = connection.operation(CALL_UPDATES, { sid: SID });
        await operation.end();
        expect(operation.events, `connection_init { ${header} }`).toEqual([
          { type: 'next', payload: { data: { callUpdates: { sid: SID, status: 'COMPLETED', isFinal: true } } } },
          { type: 'complete' },
        ]);
      } finally {
        await connection.close();
      }
    }
  });

  it.each(routerBlocks.map((block) => [block.where, block] as const))(
    '%s: each propagated header carries a credential this server forwards; without it, UNAUTHENTICATED',
    async (where, block) => {
      const headers = propagated(block);
      expect(headers.map(({ header }) => header).sort(), where).toEqual(Object.keys(DEMO_CREDENTIAL).sort());
      expect(stack.server.config.talkstackApiKey).toBeUndefined();
      for (const { header } of headers) {
        const answer = await stack.gql(CALL, { sid: SID }, { [header]: DEMO_CREDENTIAL[header] as string });
        expect(codesOf(answer), `${where}: ${header}`).toEqual([]);
        expect(answer.body.data, `${where}: ${header}`).toEqual({ call: { sid: SID, status: 'COMPLETED' } });
      }
      const without = await stack.gql(CALL, { sid: SID }, {});
      expect(codesOf(without)).toEqual(['UNAUTHENTICATED']);
      expect(without.body.data).toEqual({ call: null });
    },
  );
});
