/**
 * The schema is the contract: the committed SDL must be what the Pothos schema prints, and
 * every type, field, argument and enum value of the contract's SDL must exist with the
 * same type (descriptions and order aside).
 */
import { readFileSync } from 'node:fs';
import {
  buildASTSchema,
  type GraphQLField,
  type GraphQLNamedType,
  isEnumType,
  isObjectType,
  parse,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { printSubgraphSDL, schema } from '../schema/index.js';
import { startStack } from './support/stack.js';

const committedSdl = readFileSync(new URL('../schema/schema.graphql', import.meta.url), 'utf8');
const contractSdl = readFileSync(new URL('./fixtures/contract.graphql', import.meta.url), 'utf8');

/** The contract's SDL uses @key without declaring it; declare it so graphql-js can build it. */
const contract = buildASTSchema(
  parse(`directive @key(fields: String!) repeatable on OBJECT | INTERFACE
scalar DateTime scalar JSONObject scalar NonNegativeFloat scalar NonNegativeInt scalar PhoneNumber scalar URL
${contractSdl}`),
);

const fieldSignature = (field: GraphQLField<unknown, unknown>) =>
  `${String(field.type)}(${field.args
    .map((a) => `${a.name}: ${String(a.type)}`)
    .sort()
    .join(', ')})`;

function shape(type: GraphQLNamedType) {
  if (isEnumType(type)) return type.getValues().map((v) => v.name).sort();
  if (isObjectType(type)) {
    // Federation's own root fields (_service, _entities) are checked by the federation tests.
    const fields = Object.values(type.getFields()).filter((f) => !f.name.startsWith('_'));
    return Object.fromEntries(fields.map((f) => [f.name, fieldSignature(f)]));
  }
  return type.name;
}

describe('schema', () => {
  it('schema/schema.graphql is what the Pothos schema prints (run `npm run codegen` when this fails)', () => {
    expect(committedSdl.trim()).toBe(printSubgraphSDL().trim());
  });

  it('matches the contract type by type', () => {
    const names = Object.keys(contract.getTypeMap()).filter((name) => !name.startsWith('__'));
    for (const name of names) {
      const ours = schema.getType(name);
      expect(ours, `type ${name}`).toBeDefined();
      expect(shape(ours as GraphQLNamedType), `type ${name}`).toEqual(shape(contract.getType(name) as GraphQLNamedType));
    }
  });

  it('prints Call as a Federation 2 entity keyed by projectId and sid', () => {
    expect(committedSdl).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+"/);
    expect(committedSdl).toMatch(/type Call\s+@key\(fields: "projectId sid"\)/);
  });

  it('serves the same SDL as _service { sdl }', async () => {
    const stack = await startStack();
    try {
      const response = await stack.gql<{ _service: { sdl: string } }>('{ _service { sdl } }');
      expect(response.body.data?._service.sdl.trim()).toBe(committedSdl.trim());
    } finally {
      await stack.close();
    }
  });
});
