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
import type { Context } from '../src/graphql/context.js';

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
 * strings pass as they are and numbers after a cheap range check; anything else still goes
 * through them.
 * Input parsing (parseValue, parseLiteral) is graphql-scalars' own.
 */
function trustedOutput<T extends string | number>(scalar: GraphQLScalarType, produced: (value: unknown) => value is T) {
  const serialize = scalar.serialize.bind(scalar) as (value: unknown) => T;
  return { serialize: (value: unknown): T => (produced(value) ? value : serialize(value)) };
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isNonNegativeInt = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= 2_147_483_647;
const isNonNegativeFloat = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

builder.addScalarType('DateTime', DateTimeResolver, trustedOutput(DateTimeResolver, isString));
builder.addScalarType('JSONObject', JSONObjectResolver);
builder.addScalarType('NonNegativeFloat', NonNegativeFloatResolver, trustedOutput(NonNegativeFloatResolver, isNonNegativeFloat));
builder.addScalarType('NonNegativeInt', NonNegativeIntResolver, trustedOutput(NonNegativeIntResolver, isNonNegativeInt));
builder.addScalarType('PhoneNumber', PhoneNumberResolver, trustedOutput(PhoneNumberResolver, isString));
builder.addScalarType('URL', URLResolver, trustedOutput(URLResolver, isString));
