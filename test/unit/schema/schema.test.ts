/**
 * The schema is the contract: the committed SDL must be what the Pothos schema prints, and
 * every type, field, argument and enum value of the contract's SDL must exist with the
 * same type (descriptions and order aside). What the server serves of it, in process
 * (`yoga.fetch`): the same SDL as `_service { sdl }`, @defer and @stream to clients but not
 * in the subgraph SDL, and the federation internals described as such for GraphiQL's docs.
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
import { printSubgraphSDL, schema } from '../../../schema/index.js';
import { inProcessServer } from '../../support/inProcess.js';

const committedSdl = readFileSync(new URL('../../../schema/schema.graphql', import.meta.url), 'utf8');
const contractSdl = readFileSync(new URL('../../fixtures/contract.graphql', import.meta.url), 'utf8');

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

});

describe('the schema as served', () => {
  const { gql } = inProcessServer();

  it('serves the same SDL as _service { sdl }', async () => {
    const response = await gql('{ _service { sdl } }');
    expect((response.body.data?.['_service'] as { sdl: string }).sdl.trim()).toBe(committedSdl.trim());
  });

  it('serves @defer and @stream to clients (introspection) but the subgraph SDL does not advertise them', async () => {
    const introspected = await gql('{ __schema { directives { name } } }');
    const directives = (introspected.body.data?.['__schema'] as { directives: Array<{ name: string }> }).directives;
    expect(directives.map((directive) => directive.name)).toEqual(expect.arrayContaining(['defer', 'stream']));
    // A gateway composes from `_service { sdl }`: the directives are this server's transport, not the subgraph's schema.
    const service = await gql('{ _service { sdl } }');
    const sdl = (service.body.data?.['_service'] as { sdl: string }).sdl;
    expect(sdl).toContain('type Query');
    expect(sdl).not.toMatch(/directive @(defer|stream)\b/);
  });

  it('describes the federation internals as such for the docs explorer (introspection)', async () => {
    const response = await gql(`{
      __schema { queryType { fields { name description args { name description } } } }
      any: __type(name: "_Any") { description }
      entity: __type(name: "_Entity") { description }
      service: __type(name: "_Service") { description }
    }`);
    const data = response.body.data as {
      __schema: { queryType: { fields: Array<{ name: string; description: string | null; args: Array<{ name: string; description: string | null }> }> } };
      any: { description: string | null };
      entity: { description: string | null };
      service: { description: string | null };
    };
    const fields = new Map(data.__schema.queryType.fields.map((field) => [field.name, field]));
    for (const name of ['_entities', '_service']) expect(fields.get(name)?.description, name).toMatch(/^Federation internals/);
    expect(fields.get('_entities')?.args.find((arg) => arg.name === 'representations')?.description).toMatch(/@key/);
    for (const type of [data.any, data.entity, data.service]) expect(type.description).toMatch(/^Federation internals/);
    // The API itself is described for dashboards, not as internals.
    expect(fields.get('calls')?.description).not.toMatch(/Federation/);
  });
});
