/**
 * An operation of a type the schema does not have (this schema has no mutations) is invalid:
 * HTTP 400 `GRAPHQL_VALIDATION_FAILED`, nothing executes. graphql 16 leaves this to execution,
 * which answers 200 with an uncoded "Schema is not configured to execute mutation operation."
 * (graphql 17 makes it a validation rule, KnownOperationTypesRule.)
 */
import { type ASTVisitor, GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { VALIDATION_FAILED } from './operationLimits.js';
import { refusedOperationHttp } from './refusalStatus.js';

// Named: Yoga's validation cache tells rule sets apart by their functions' names.
export function KnownOperationTypesRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(operation) {
      if (!context.getSchema().getRootType(operation.operation)) {
        context.reportError(
          new GraphQLError(`This schema has no ${operation.operation} type: only queries and subscriptions are served.`, {
            nodes: operation,
            extensions: { code: VALIDATION_FAILED, http: refusedOperationHttp() },
          }),
        );
      }
      return false;
    },
  };
}

export function useKnownOperationTypes(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(KnownOperationTypesRule);
    },
  };
}
