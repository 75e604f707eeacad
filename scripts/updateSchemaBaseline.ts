/**
 * `npm run schema:baseline`: writes the API schema as it is now (federation aside) to
 * schema/baseline.graphql. Run it only to publish a change on purpose: the schema evolution
 * test (test/unit/schema/schemaEvolution.test.ts) fails on any breaking change against the committed
 * baseline, and updating the baseline in the same change is the deliberate act that allows one.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printApiSDL } from '../schema/apiSchema.js';
import { schema } from '../schema/index.js';

const target = fileURLToPath(new URL('../schema/baseline.graphql', import.meta.url));
writeFileSync(target, printApiSDL(schema));
console.log(`wrote ${target}`);
