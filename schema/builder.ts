/**
 * The Pothos schema builder: the single source of truth of the GraphQL schema.
 * Types live in `schema/types/`, root fields and entity resolution in `resolvers/`.
 */
import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import {
  DateTimeResolver,
  JSONObjectResolver,
  NonNegativeFloatResolver,
  NonNegativeIntResolver,
  PhoneNumberResolver,
  URLResolver,
} from 'graphql-scalars';
import type { Context } from '../src/context.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
    NonNegativeFloat: { Input: number; Output: number };
    NonNegativeInt: { Input: number; Output: number };
    PhoneNumber: { Input: string; Output: string };
    URL: { Input: URL; Output: URL | string };
  };
}>({
  plugins: [DirectivesPlugin, FederationPlugin],
  defaultFieldNullability: false,
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSONObject', JSONObjectResolver);
builder.addScalarType('NonNegativeFloat', NonNegativeFloatResolver);
builder.addScalarType('NonNegativeInt', NonNegativeIntResolver);
builder.addScalarType('PhoneNumber', PhoneNumberResolver);
builder.addScalarType('URL', URLResolver);
