/**
 * Schema evolution: the API schema (federation aside) must not break what dashboards rely on.
 * It is compared with the committed baseline (schema/baseline.graphql, the schema as last
 * published) by graphql-inspector; a breaking change fails here until the baseline is updated
 * in the same change (`npm run schema:baseline`), which is the deliberate act that allows it.
 */
import { readFileSync } from 'node:fs';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { buildSchema, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { apiSchemaOf } from '../../../schema/apiSchema.js';
import { schema } from '../../../schema/index.js';

const baseline = buildSchema(readFileSync(new URL('../../../schema/baseline.graphql', import.meta.url), 'utf8'));

async function breakingChanges(before: GraphQLSchema, after: GraphQLSchema): Promise<string[]> {
  const changes = await diff(before, after);
  return changes.filter((change) => change.criticality.level === CriticalityLevel.Breaking).map((change) => change.message);
}

describe('schema evolution against schema/baseline.graphql', () => {
  it('the current API schema makes no breaking change (update the baseline on purpose: npm run schema:baseline)', async () => {
    expect(await breakingChanges(baseline, apiSchemaOf(schema))).toEqual([]);
  });

  it('the check does catch breaking changes: a removed field, a field made nullable, a new required argument', async () => {
    const sdl = readFileSync(new URL('../../../schema/baseline.graphql', import.meta.url), 'utf8');
    const broken = buildSchema(
      sdl
        .replace(/\n\n {2}"""[^"]*"""\n {2}upstreamStatus: String!/, '')
        .replace(/^ {2}isFinal: Boolean!$/m, '  isFinal: Boolean')
        .replace('call(projectId: ID, sid: ID!): Call', 'call(projectId: ID, region: String!, sid: ID!): Call'),
    );
    const found = await breakingChanges(baseline, broken);
    expect(found).toHaveLength(3);
    expect(found.join('\n')).toMatch(/upstreamStatus/);
    expect(found.join('\n')).toMatch(/isFinal/);
    expect(found.join('\n')).toMatch(/region/);
  });

  it('an added field is not breaking', async () => {
    const sdl = readFileSync(new URL('../../../schema/baseline.graphql', import.meta.url), 'utf8');
    const extended = buildSchema(sdl.replace(/^ {2}sid: ID!$/m, '  sid: ID!\n  answeredAt: DateTime'));
    expect(await breakingChanges(baseline, extended)).toEqual([]);
  });

  it('the baseline has no federation internals', () => {
    const sdl = readFileSync(new URL('../../../schema/baseline.graphql', import.meta.url), 'utf8');
    expect(sdl).not.toMatch(/_entities|_service|_Any|_Entity|@link|@key|federation__/);
  });
});
