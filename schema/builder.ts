/**
 * The Pothos schema builder: the single source of truth of the GraphQL schema.
 * Types live in `schema/types/`, root fields and entity resolution in `resolvers/`.
 */
import SchemaBuilder from '@pothos/core';
import type { GraphQLScalarType } from 'graphql';
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

/**
 * Output values of these scalars are made by `mapCall`, which already validated and
 * normalised them (ISO date-times, E.164 numbers, absolute URLs, finite non-negative numbers;
 * the property tests check every mapped value passes graphql-scalars' own serializers). Running
 * those serializers again re-parses every date and URL of every call of every response, so
 * values of the produced type pass as they are; anything else still goes through them.
 * Input parsing (parseValue, parseLiteral) is graphql-scalars' own.
 */
function trustedOutput<T extends string | number>(scalar: GraphQLScalarType, produced: T extends string ? 'string' : 'number') {
  const serialize = scalar.serialize.bind(scalar) as (value: unknown) => T;
  return { serialize: (value: unknown): T => (typeof value === produced ? (value as T) : serialize(value)) };
}

builder.addScalarType('DateTime', DateTimeResolver, trustedOutput<string>(DateTimeResolver, 'string'));
builder.addScalarType('JSONObject', JSONObjectResolver);
builder.addScalarType('NonNegativeFloat', NonNegativeFloatResolver, trustedOutput<number>(NonNegativeFloatResolver, 'number'));
builder.addScalarType('NonNegativeInt', NonNegativeIntResolver, trustedOutput<number>(NonNegativeIntResolver, 'number'));
builder.addScalarType('PhoneNumber', PhoneNumberResolver, trustedOutput<string>(PhoneNumberResolver, 'string'));
builder.addScalarType('URL', URLResolver, trustedOutput<string>(URLResolver, 'string'));
