/**
 * GRAPHQL_INTROSPECTION=false: besides Yoga's introspection switch (no `__schema` / `__type`),
 * no "Did you mean …?" hints in validation messages either, since those leak the schema one
 * field name at a time. `__typename` and federation's `_service { sdl }` keep working: gateways
 * need the SDL.
 */
import type { Plugin } from 'graphql-yoga';

const SUGGESTION = / ?Did you mean .*\?$/;

export function useNoFieldSuggestions(): Plugin {
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
