/**
 * Descriptions for what Apollo Federation adds to the schema (`_entities`, `_service`,
 * `_Any`, `_Entity`, `_Service`), which the subgraph library leaves undescribed: in
 * GraphiQL's docs explorer they sit beside `call` and `calls` and look like API for
 * dashboards. Set on the built schema because the federation plugin creates them itself;
 * the subgraph SDL (`_service { sdl }`, schema/schema.graphql) prints none of them, so it
 * is unchanged.
 */
import { type GraphQLSchema, isObjectType, isScalarType, isUnionType } from 'graphql';

const INTERNAL = 'Federation internals, for a gateway or router composing this subgraph; dashboards query `call`/`calls` instead.';

export function describeFederationInternals(schema: GraphQLSchema): void {
  const query = schema.getQueryType()?.getFields();
  const entities = query?.['_entities'];
  if (entities) {
    entities.description = `${INTERNAL} Resolves entity references: each representation \`{ __typename: "Call", projectId, sid }\` becomes that call (null when unknown), batched like \`calls\`.`;
    const representations = entities.args.find((arg) => arg.name === 'representations');
    if (representations) representations.description = 'Entity references, as a gateway sends them: `__typename` plus the `@key` fields.';
  }
  const service = query?.['_service'];
  if (service) service.description = `${INTERNAL} This subgraph's SDL with its federation directives, for composition.`;

  const any = schema.getType('_Any');
  if (isScalarType(any)) any.description = `${INTERNAL} An entity reference as JSON: \`__typename\` and the entity's \`@key\` fields.`;
  const entity = schema.getType('_Entity');
  if (isUnionType(entity)) entity.description = `${INTERNAL} Every type with a \`@key\` (here: Call), what \`_entities\` returns.`;
  const serviceType = schema.getType('_Service');
  if (isObjectType(serviceType)) serviceType.description = `${INTERNAL} What \`_service\` returns: the subgraph's SDL.`;
}
