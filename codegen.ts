/**
 * GraphQL Code Generator (`npm run codegen`, which builds first): the configuration is
 * schema/codegenConfig.ts, given the built schema's SDL. Reads dist: codegen cannot load the
 * TypeScript schema module natively on Node 20.
 */
import { codegenConfig } from './dist/schema/codegenConfig.js';
import { printSubgraphSDL } from './dist/schema/index.js';

export default codegenConfig(printSubgraphSDL());
