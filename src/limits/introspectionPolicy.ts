/**
 * GRAPHQL_INTROSPECTION=false: no `__schema` / `__type`, and no "Did you mean …?" hints in
 * validation messages either, since those leak the schema one field name at a time.
 * `__typename` and federation's `_service { sdl }` keep working: gateways need the SDL.
 */
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import type { Plugin } from 'graphql-yoga';

const SUGGESTION = / ?Did you mean .*\?$/;

function useNoFieldSuggestions(): Plugin {
  return {
    onValidate() {
      return ({ valid, result }) => {
        if (valid) return;
        for (const error of result) {
          if (SUGGESTION.test(error.message)) {
            // GraphQLError.message is writable; replacing the error would drop its locations.
            (error as { message: string }).message = error.message.replace(SUGGESTION, '');
          }
        }
      };
    },
  };
}

export function introspectionPlugins(introspection: boolean): Plugin[] {
  return introspection ? [] : [useDisableIntrospection(), useNoFieldSuggestions()];
}
