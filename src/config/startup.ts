/**
 * What start-up reads besides the environment: with PERSISTED_OPERATIONS_ONLY, the trusted
 * documents' manifest (limits/trustedManifest.ts), read and verified once. A missing or
 * tampered manifest is an invalid setting like any other: reported with the rest, naming
 * PERSISTED_DOCUMENTS_FILE.
 */
import { ManifestError, readTrustedManifest, type TrustedDocuments } from '../limits/trustedManifest.js';
import { type Config, ConfigError, configOf, type Env, readSettings, type SettingProblem } from './config.js';

export interface Startup {
  config: Config;
  /** with PERSISTED_OPERATIONS_ONLY: the manifest's documents; else undefined */
  trustedDocuments: TrustedDocuments | undefined;
}

/** The configuration and the manifest, every problem of both in one ConfigError. */
export function loadStartup(env: Env = process.env): Startup {
  const problems: SettingProblem[] = [];
  const config = configOf(readSettings(env, problems), env);
  const trustedDocuments = config.persistedOperationsOnly ? readManifest(config.persistedDocumentsFile, problems) : undefined;
  if (problems.length > 0) throw new ConfigError(problems);
  return { config, trustedDocuments };
}

/** The trusted documents of `config` (PERSISTED_OPERATIONS_ONLY on), read now; throws ConfigError. */
export function trustedDocumentsFor(config: Pick<Config, 'persistedDocumentsFile'>): TrustedDocuments {
  const problems: SettingProblem[] = [];
  const documents = readManifest(config.persistedDocumentsFile, problems);
  if (documents === undefined) throw new ConfigError(problems);
  return documents;
}

function readManifest(file: string, problems: SettingProblem[]): TrustedDocuments | undefined {
  try {
    return readTrustedManifest(file);
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    problems.push({ variable: 'PERSISTED_DOCUMENTS_FILE', problem: error.message });
    return undefined;
  }
}
