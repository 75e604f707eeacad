/**
 * The trusted-documents manifest (PERSISTED_DOCUMENTS_FILE): the JSON object GraphQL Code
 * Generator's client preset writes with `persistedDocuments: { hashAlgorithm: 'sha256' }`,
 * `{ "sha256:<hex>": "<document text>" }` (a plain `"<hex>"` key is accepted too).
 *
 * Read and checked once, at start-up: an entry whose key is not the SHA-256 of its text is
 * refused, so a hand-edited or tampered manifest stops the server instead of serving a
 * document nobody generated under a hash a client trusts.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Trusted documents by the lowercase hex SHA-256 of their text. */
export type TrustedDocuments = ReadonlyMap<string, string>;

export const SHA256_PREFIX = 'sha256:';
const HEX_DIGEST = /^[0-9a-f]{64}$/;

/** The hex digest a document id names (`"<hex>"` or `"sha256:<hex>"`), or undefined. */
export function digestOf(id: unknown): string | undefined {
  // Length first: a megabyte-long id is refused without scanning it.
  if (typeof id !== 'string' || id.length > SHA256_PREFIX.length + 64) return undefined;
  const hex = id.startsWith(SHA256_PREFIX) ? id.slice(SHA256_PREFIX.length) : id;
  return HEX_DIGEST.test(hex) ? hex : undefined;
}

/** Why a manifest cannot be used; the message is for operators (start-up only). */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

const REGENERATE = 'run `npm run codegen` to write it, or point PERSISTED_DOCUMENTS_FILE at the manifest your client build wrote';

const shown = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);

/** Reads and verifies the manifest at `file` (relative to the working directory). */
export function readTrustedManifest(file: string): TrustedDocuments {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ManifestError(`cannot read ${shown(file)} (${code}); ${REGENERATE}`);
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    throw new ManifestError(`${shown(file)} is not JSON; ${REGENERATE}`);
  }
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) {
    throw new ManifestError(`${shown(file)} must be a JSON object of "sha256:<hex>": "<document text>" entries`);
  }
  const documents = new Map<string, string>();
  for (const [key, document] of Object.entries(manifest as Record<string, unknown>)) {
    const digest = digestOf(key);
    if (digest === undefined) throw new ManifestError(`${shown(file)}: the key ${shown(key)} is not a SHA-256 hex digest ("<hex>" or "sha256:<hex>")`);
    if (typeof document !== 'string' || document.trim() === '') throw new ManifestError(`${shown(file)}: the entry ${shown(key)} is not a document text`);
    if (createHash('sha256').update(document).digest('hex') !== digest) {
      throw new ManifestError(`${shown(file)}: the entry ${shown(key)} is not the SHA-256 of its document (edited or tampered with); ${REGENERATE}`);
    }
    documents.set(digest, document);
  }
  return documents;
}
