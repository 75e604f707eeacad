/**
 * Bounds on what `@defer` and `@stream` arguments may ask, checked once per document with the
 * other validation rules (limitsPlugin.ts).
 *
 * - `label` is echoed in every incremental payload it applies to: one streamed item each, so a
 *   64 KB label on a 1000-entry list is a 64 MB answer from a 64 KB request. Labels only tell
 *   parts apart: MAX_LABEL_LENGTH characters are plenty.
 * - `initialCount` must be a non-negative integer literal. graphql's own validation accepts any
 *   Int (or a variable), and the executor then throws a plain Error for a negative or null one:
 *   an internal error logged with its stack on every such request. As a literal it is checked
 *   here and refused as the client's mistake it is.
 */
import { GraphQLError, Kind, type ValidationRule } from 'graphql';
import { VALIDATION_FAILED } from './operationLimits.js';

export const MAX_LABEL_LENGTH = 128;

const INCREMENTAL = new Set(['defer', 'stream']);

export const incrementalDirectiveRule: ValidationRule = (context) => ({
  Directive(node) {
    if (!INCREMENTAL.has(node.name.value)) return;
    for (const argument of node.arguments ?? []) {
      const { value } = argument;
      const name = argument.name.value;
      if (name === 'label' && value.kind === Kind.STRING && value.value.length > MAX_LABEL_LENGTH) {
        context.reportError(
          new GraphQLError(`A @${node.name.value} label may have at most ${MAX_LABEL_LENGTH} characters.`, {
            nodes: [argument],
            extensions: { code: VALIDATION_FAILED },
          }),
        );
      }
      if (name === 'initialCount' && !(value.kind === Kind.INT && Number(value.value) >= 0)) {
        context.reportError(
          new GraphQLError('@stream initialCount must be a non-negative integer written in the document (not a variable).', {
            nodes: [argument],
            extensions: { code: VALIDATION_FAILED },
          }),
        );
      }
    }
  },
});
