/**
 * GraphQL Code Generator (`npm run codegen`): the configuration is schema/codegenConfig.ts,
 * given the subgraph SDL printed from the Pothos schema itself (the TypeScript sources: codegen
 * loads this file through jiti, which compiles them as it goes).
 */
import { codegenConfig } from './schema/codegenConfig.js';
import { printSubgraphSDL } from './schema/index.js';

export default codegenConfig(printSubgraphSDL());
