/**
 * Yoga's plugins, in the one order they run (each is one file; Yoga's own request parsing,
 * masking and GraphiQL come with it). Order matters:
 * - the last-resort guard first, so it wraps Yoga's own handler: nothing thrown there reaches
 *   the client as a stack;
 * - tracing and metrics before any plugin that may answer without executing: their spans and
 *   counts must close;
 * - CSRF prevention: browsers may send GETs and "simple" POSTs cross-site without a preflight,
 *   and those must carry the header (GraphiQL's SSE GETs send it, graphiql/graphiqlOptions.ts);
 * - trusted documents before the limits, which then check the document a hash stands for;
 * - the limits and budgets, in the order they act: tokens, depth and aliases; the document's
 *   size before parsing; operation types at validation; list entries before variables are
 *   coerced; then, once execution is done, the variable errors' code and MAX_ERRORS, and the
 *   coding of errors inside incremental parts (Yoga's masking codes the rest), and the list of
 *   stale answers (`extensions.stale`);
 * - @defer and @stream after all of them, as it answers nothing itself: it adds the two
 *   directives and its rules to the one validation the limits run in, and the incremental
 *   result it allows is an async iterable that the spans, counts and error cap above follow
 *   payload by payload (limits/incrementalErrors.ts);
 * - last, a stream the client's Accept cannot take (406) is ended at once, and a large answer
 *   waits for its turn to be written (largeAnswerTurns.ts).
 */
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config/config.js';
import { useDocumentSizeLimit } from '../limits/documentSize.js';
import { useErrorCountLimit } from '../limits/errorCount.js';
import { useNoFieldSuggestions } from '../limits/noFieldSuggestions.js';
import { useOperationLimits } from '../limits/limitsPlugin.js';
import { useListEntriesLimit } from '../limits/listEntries.js';
import { useKnownOperationTypes } from '../limits/operationTypes.js';
import { useTrustedDocuments } from '../limits/trustedDocuments.js';
import type { TrustedDocuments } from '../limits/trustedManifest.js';
import { useVariableErrorCode } from '../limits/variableErrors.js';
import type { Logger } from '../logging/logger.js';
import { useCsrfPrevention } from './csrfPrevention.js';
import { useIncrementalErrorMasking } from './incrementalErrorMasking.js';
import { useLargeAnswersInTurn } from './largeAnswerTurns.js';
import { useLastResortErrors } from './lastResortErrors.js';
import { useResponseSizeLimit } from './responseSize.js';
import { useStaleExtensions } from './staleExtensions.js';
import { useUnsentStreamsClosed } from './unsentStreams.js';

export interface PluginParts {
  config: Config;
  logger: Logger;
  /** the CSRF prevention header (graphql/yoga.ts) */
  csrfHeader: string;
  /** the operation spans (tracing on) */
  tracing?: Plugin | undefined;
  /** the operation counts (METRICS on) */
  metrics?: Plugin | undefined;
  /** PERSISTED_OPERATIONS_ONLY: the only documents that run */
  trustedDocuments?: TrustedDocuments | undefined;
}

export function graphqlPlugins({ config, logger, csrfHeader, tracing, metrics, trustedDocuments }: PluginParts): Plugin[] {
  const plugins: Plugin[] = [useLastResortErrors(logger)];
  if (tracing) plugins.push(tracing);
  if (metrics) plugins.push(metrics);
  plugins.push(useCsrfPrevention(csrfHeader));
  if (trustedDocuments) plugins.push(useTrustedDocuments(trustedDocuments));
  plugins.push(
    useOperationLimits(config),
    useDocumentSizeLimit(config.maxDocumentBytes),
    useKnownOperationTypes(),
    useListEntriesLimit(config.maxListEntries),
    useVariableErrorCode(),
    // MAX_RESPONSE_BYTES before MAX_ERRORS: the calls it leaves out are errors the cap counts.
    useResponseSizeLimit(config.maxResponseBytes),
    useErrorCountLimit(config.maxErrors),
    // Yoga codes and masks every result's errors; the parts of an incremental result too.
    useIncrementalErrorMasking(logger),
    // extensions.stale: the entries answered stale instead of failing, per result or payload.
    useStaleExtensions(config.maxErrors),
  );
  // GRAPHQL_INTROSPECTION=false: no __schema/__type, and no "did you mean" hints.
  if (!config.introspection) plugins.push(useDisableIntrospection(), useNoFieldSuggestions());
  plugins.push(useDeferStream(), useUnsentStreamsClosed(), useLargeAnswersInTurn());
  return plugins;
}
