/**
 * `_entities` refuses a representation of an unknown `__typename` before any lookup starts.
 *
 * `@apollo/subgraph` maps representations to lookups one by one and throws at the first
 * unknown type, after it has started the lookups before it: nobody awaits those any more,
 * and one of them failing (a malformed sid, an upstream error) was an unhandled rejection
 * that ended the process. Checking every type first means either all lookups run and are
 * awaited, or none starts. (The message is ours: the library's names internals.)
 */
import { type GraphQLSchema, isInterfaceType, isObjectType } from 'graphql';
import { BadUserInputError } from '../src/calls/callDataErrors.js';

const typenameOf = (representation: unknown): unknown =>
  typeof representation === 'object' && representation !== null ? (representation as { __typename?: unknown }).__typename : undefined;

export function refuseUnknownEntityTypes(schema: GraphQLSchema): void {
  const field = schema.getQueryType()?.getFields()['_entities'];
  const resolve = field?.resolve;
  if (!field || !resolve) return;
  field.resolve = (source, args, context, info) => {
    const { representations } = args as { representations?: unknown };
    if (Array.isArray(representations)) {
      for (const representation of representations) {
        const typename = typenameOf(representation);
        const type = typeof typename === 'string' ? schema.getType(typename) : undefined;
        if (!isObjectType(type) && !isInterfaceType(type)) {
          throw new BadUserInputError('Every _entities representation needs the __typename of an entity of this subgraph ("Call").');
        }
      }
    }
    return resolve(source, args, context, info);
  };
}
