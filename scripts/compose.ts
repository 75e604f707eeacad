/**
 * Composes this subgraph (from schema/schema.graphql, no server needed) with other
 * subgraphs into a Federation 2 supergraph SDL, printed on stdout.
 *
 *   npm run compose -- --calls-url http://calls:4000/graphql \
 *     --subgraph shifts=../shifts/schema.graphql@http://shifts:4001/graphql > supergraph.graphql
 *
 * A relative SDL_FILE is read from the directory npm was run from (npm runs the script in the
 * package root and says where it was called from in INIT_CWD), or else the current directory.
 *
 * Exit code 1 with the composition errors on stderr when the subgraphs do not compose, or
 * with one line naming the file when an SDL file cannot be read or parsed; 2 for bad options.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { composeServices } from '@theguild/federation-composition';
import { type DocumentNode, GraphQLError, parse } from 'graphql';

const usage =
  'usage: npm run compose -- [--calls-url URL] --subgraph NAME=SDL_FILE@URL [--subgraph …]';

/** Why a file could not be read, as `ls` would say it. */
const READ_FAILURES: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
};

/** Exits with one line naming the file when it cannot be read or is not GraphQL SDL. */
function readSdl(file: string): DocumentNode {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    console.error(`cannot read ${file}: ${READ_FAILURES[code] ?? (code || 'unreadable')}`);
    process.exit(1);
  }
  try {
    return parse(text);
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    const where = error.locations?.[0];
    console.error(`${file}${where ? `:${where.line}:${where.column}` : ''}: ${error.message}`);
    process.exit(1);
  }
}

function parseCommandLine() {
  try {
    return parseArgs({
      options: {
        'calls-url': { type: 'string', default: 'http://localhost:4000/graphql' },
        subgraph: { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    // An unknown or incomplete option: say which, not where in node:util it was noticed.
    console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
    process.exit(2);
  }
}

const { values } = parseCommandLine();

if (values.help) {
  console.log(usage);
  process.exit(0);
}

const callsUrl = values['calls-url'];
if (!/^https?:\/\/./.test(callsUrl) || !URL.canParse(callsUrl)) {
  console.error(`bad --calls-url "${callsUrl}": expected an http(s) URL such as http://calls:4000/graphql\n${usage}`);
  process.exit(2);
}

/** Where the caller was: `npm run` changes into the package root but leaves the caller's directory in INIT_CWD. */
const callerDirectory = process.env.INIT_CWD ?? process.cwd();

const services = [
  {
    name: 'calls',
    typeDefs: readSdl(fileURLToPath(new URL('../schema/schema.graphql', import.meta.url))),
    url: callsUrl,
  },
];
for (const spec of values.subgraph) {
  const match = /^([A-Za-z_][\w-]*)=(.+)@(https?:\/\/.+)$/.exec(spec);
  if (!match) {
    console.error(`bad --subgraph "${spec}"\n${usage}`);
    process.exit(2);
  }
  const [, name = '', file = '', url = ''] = match;
  services.push({ name, typeDefs: readSdl(resolve(callerDirectory, file)), url });
}

const result = composeServices(services);
if (!result.supergraphSdl) {
  for (const error of result.errors ?? []) console.error(error.message);
  process.exit(1);
}
process.stdout.write(result.supergraphSdl);
