/**
 * The per-operation budgets of the contract (issue 8) as Yoga plugins, in the order they act:
 * the document's size before parsing, operation types at validation, list entries before
 * variables are coerced, then, once execution is done, the variable errors' code and the
 * number of errors (before Yoga masks and serializes them).
 */
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config.js';
import { useDocumentSizeLimit } from './documentSize.js';
import { useErrorCountLimit } from './errorCount.js';
import { useListEntriesLimit } from './listEntries.js';
import { useKnownOperationTypes } from './operationTypes.js';
import { useVariableErrorCode } from './variableErrors.js';

export function requestBudgetPlugins(config: Pick<Config, 'maxDocumentBytes' | 'maxListEntries' | 'maxErrors'>): Plugin[] {
  return [
    useDocumentSizeLimit(config.maxDocumentBytes),
    useKnownOperationTypes(),
    useListEntriesLimit(config.maxListEntries),
    useVariableErrorCode(),
    useErrorCountLimit(config.maxErrors),
  ];
}
