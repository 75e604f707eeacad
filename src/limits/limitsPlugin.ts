/**
 * The operation limits of the contract as one Yoga plugin: MAX_TOKENS through graphql's own
 * parser, MAX_SELECTIONS before validation (selectionCount.ts), MAX_DEPTH and MAX_ALIASES as
 * validation rules, with the bounds on @defer/@stream arguments (incrementalDirectiveRule.ts). Everything here happens once per
 * distinct document: Yoga caches parse and validation results.
 */
import { type DocumentNode, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config/config.js';
import { incrementalDirectiveRule } from './incrementalDirectiveRule.js';
import { refusedOperationHttp } from './refusalStatus.js';
import { maxAliasesRule, maxDepthRule, VALIDATION_FAILED } from './operationLimits.js';
import { selectionCount } from './selectionCount.js';

// graphql 16 spells it "more that"; accept the corrected spelling too.
const TOO_MANY_TOKENS = /Document contains more tha[nt] \d+ tokens/;

export function useOperationLimits(config: Pick<Config, 'maxTokens' | 'maxDepth' | 'maxAliases' | 'maxSelections'>): Plugin {
  const depthRule = maxDepthRule(config.maxDepth);
  // Counted once per document: the parse cache hands the same document to every request of it.
  const counted = new WeakMap<DocumentNode, boolean>();
  const overSelections = (document: DocumentNode): boolean => {
    let over = counted.get(document);
    if (over === undefined) counted.set(document, (over = selectionCount(document, config.maxSelections) > config.maxSelections));
    return over;
  };
  const aliasesRule = maxAliasesRule(config.maxAliases);
  return {
    onParse({ parseFn, setParseFn }) {
      setParseFn((source, options) => {
        try {
          return parseFn(source, { ...options, maxTokens: config.maxTokens });
        } catch (error) {
          if (error instanceof GraphQLError && TOO_MANY_TOKENS.test(error.message)) {
            throw new GraphQLError(`The document has more than ${config.maxTokens} tokens (MAX_TOKENS).`, {
              extensions: { code: VALIDATION_FAILED, http: refusedOperationHttp() },
            });
          }
          throw error;
        }
      });
    },
    onValidate({ addValidationRule, params, setResult }) {
      // Before graphql's rules: some cost the square of repeated selections.
      if (overSelections(params.documentAST)) {
        setResult([
          new GraphQLError(`The operation has more than ${config.maxSelections} field selections (MAX_SELECTIONS).`, {
            extensions: { code: VALIDATION_FAILED, http: refusedOperationHttp() },
          }),
        ]);
        return undefined;
      }
      addValidationRule(depthRule);
      addValidationRule(aliasesRule);
      addValidationRule(incrementalDirectiveRule);
      // Nothing executes for an invalid operation; its status follows the media type
      // (refusalStatus.ts), whichever of Yoga's hooks ran first.
      return ({ valid, result }) => {
        if (valid) return;
        for (const error of result) {
          const extensions = error.extensions as Record<string, unknown>;
          extensions['code'] ??= VALIDATION_FAILED;
          extensions['http'] = { ...(extensions['http'] as object | undefined), ...refusedOperationHttp() };
        }
      };
    },
  };
}
