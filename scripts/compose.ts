/**
 * Composes this subgraph (from schema/schema.graphql, no server needed) with other
 * subgraphs into a Federation 2 supergraph SDL, printed on stdout.
 *
 *   npm run compose -- --calls-url http://calls:4000/graphql \
 *     --subgraph shifts=../shifts/schema.graphql@http://shifts:4001/graphql > supergraph.graphql
 *
 * Exit code 1 with the composition errors on stderr when the subgraphs do not compose.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';

const usage =
  'usage: npm run compose -- [--calls-url URL] --subgraph NAME=SDL_FILE@URL [--subgraph …]';

const { values } = parseArgs({
  options: {
    'calls-url': { type: 'string', default: 'http://localhost:4000/graphql' },
    subgraph: { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(usage);
  process.exit(0);
}

const services = [
  {
    name: 'calls',
    typeDefs: parse(readFileSync(new URL('../schema/schema.graphql', import.meta.url), 'utf8')),
    url: values['calls-url'],
  },
];
for (const spec of values.subgraph) {
  const match = /^([A-Za-z_][\w-]*)=(.+)@(https?:\/\/.+)$/.exec(spec);
  if (!match) {
    console.error(`bad --subgraph "${spec}"\n${usage}`);
    process.exit(2);
  }
  const [, name = '', file = '', url = ''] = match;
  services.push({ name, typeDefs: parse(readFileSync(file, 'utf8')), url });
}

const result = composeServices(services);
if (!result.supergraphSdl) {
  for (const error of result.errors ?? []) console.error(error.message);
  process.exit(1);
}
process.stdout.write(result.supergraphSdl);
