/**
 * The API schema as dashboards see it: the subgraph schema without what federation adds
 * (`_service`, `_entities`, `_Any`, `_Entity`, `_Service`, the `link` and `federation`
 * definitions and directives). What `schema/baseline.graphql` stores and what the schema
 * evolution check compares (test/unit/schema/schemaEvolution.test.ts).
 */
import { GraphQLObjectType, GraphQLSchema, isSpecifiedDirective, lexicographicSortSchema, printSchema } from 'graphql';

const isFederationTypeName = (name: string) => name.startsWith('_') || name.startsWith('link__') || name.startsWith('federation__');

export function apiSchemaOf(subgraph: GraphQLSchema): GraphQLSchema {
  const config = subgraph.toConfig();
  const withoutFederationFields = (type: GraphQLObjectType | null | undefined) => {
    if (!type) return type;
    const typeConfig = type.toConfig();
    const fields = Object.fromEntries(Object.entries(typeConfig.fields).filter(([name]) => !name.startsWith('_')));
    return new GraphQLObjectType({ ...typeConfig, fields });
  };
  const query = withoutFederationFields(config.query);
  const subscription = withoutFederationFields(config.subscription);
  const types = config.types
    .filter((type) => !isFederationTypeName(type.name) && type.name !== config.query?.name && type.name !== config.subscription?.name)
    .concat([query, subscription].filter((type): type is GraphQLObjectType => Boolean(type)));
  return lexicographicSortSchema(
    new GraphQLSchema({
      ...config,
      query,
      subscription,
      types,
      directives: config.directives.filter(isSpecifiedDirective),
      astNode: undefined,
      extensionASTNodes: [],
    }),
  );
}

export const printApiSDL = (subgraph: GraphQLSchema): string => `${printSchema(apiSchemaOf(subgraph))}\n`;
