/**
 * What start-up reads besides the environment (config/startup.ts): with
 * PERSISTED_OPERATIONS_ONLY, the trusted documents' manifest, read and verified once. A
 * missing, malformed or tampered manifest stops start-up as an invalid setting naming
 * PERSISTED_DOCUMENTS_FILE, reported with the others; off, the manifest is never read.
 * The manifests are files this test writes, in the client preset's format (`"sha256:<hex>"`
 * keys). (The compiled server refusing to start with one: integration/lifecycle/startup.test.ts.)
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServer } from '../../../src/app.js';
import { ConfigError } from '../../../src/config/config.js';
import { loadStartup } from '../../../src/config/startup.js';
import { configWith } from '../../support/config.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const idOf = (document: string) => `sha256:${sha256(document)}`;

const PAGE = 'query Page($sids: [ID!]!) { calls(sids: $sids) { sid status durationSeconds } }';
const CALL = 'query Call($sid: ID!) { call(sid: $sid) { sid status } }';

const directory = mkdtempSync(join(tmpdir(), 'trusted-manifest-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Writes `text` as a manifest file named `name` and returns its path. */
const writeManifest = (name: string, text: string) => {
  const file = join(directory, name);
  writeFileSync(file, text);
  return file;
};
const missing = join(directory, 'missing.json');

describe('the manifest, read and verified at start-up', () => {
  const onWith = (file: string) => () => loadStartup({ PERSISTED_OPERATIONS_ONLY: 'true', PERSISTED_DOCUMENTS_FILE: file });

  it('reads the manifest codegen writes by default (examples/generated/persisted-documents.json)', () => {
    const { config, trustedDocuments } = loadStartup({ PERSISTED_OPERATIONS_ONLY: 'true' });
    expect(config.persistedDocumentsFile).toBe('examples/generated/persisted-documents.json');
    expect(trustedDocuments?.size).toBeGreaterThan(0);
  });

  it('reads a manifest of this format, keyed by hex digest, "sha256:<hex>" or plain "<hex>"', () => {
    const file = writeManifest('good.json', JSON.stringify({ [idOf(PAGE)]: PAGE, [sha256(CALL)]: CALL }));
    const documents = onWith(file)().trustedDocuments;
    expect(documents?.get(sha256(PAGE))).toBe(PAGE);
    expect(documents?.get(sha256(CALL))).toBe(CALL);
  });

  it.each([
    ['missing', () => missing, /cannot read .*ENOENT.*npm run codegen/],
    ['not JSON', () => writeManifest('not-json.json', '{ "sha256:'), /is not JSON/],
    ['an array', () => writeManifest('array.json', JSON.stringify([PAGE])), /must be a JSON object/],
    ['keyed by operation name', () => writeManifest('names.json', JSON.stringify({ Page: PAGE })), /key "Page" is not a SHA-256 hex digest/],
    ['with a value that is not a document', () => writeManifest('number.json', JSON.stringify({ [idOf(PAGE)]: 1 })), /is not a document text/],
    ['tampered with (a document changed under its hash)', () => writeManifest('tampered.json', JSON.stringify({ [idOf(PAGE)]: `${PAGE.replace('durationSeconds', 'cost')}` })), /is not the SHA-256 of its document/],
  ])('stops start-up when it is %s, naming PERSISTED_DOCUMENTS_FILE', (_name, file, problem) => {
    const load = onWith(file());
    expect(load).toThrow(ConfigError);
    try {
      load();
    } catch (error) {
      expect((error as ConfigError).variable).toBe('PERSISTED_DOCUMENTS_FILE');
      expect((error as ConfigError).message).toMatch(/^Invalid setting PERSISTED_DOCUMENTS_FILE: /);
      expect((error as ConfigError).message).toMatch(problem);
    }
  });

  it('is reported together with the other invalid settings', () => {
    try {
      loadStartup({ PORT: 'x', PERSISTED_OPERATIONS_ONLY: 'true', PERSISTED_DOCUMENTS_FILE: missing });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).problems.map((problem) => problem.variable)).toEqual(['PORT', 'PERSISTED_DOCUMENTS_FILE']);
    }
  });

  it('is read by createServer when the configuration was built without it', () => {
    expect(() => createServer(configWith({ persistedOperationsOnly: true, persistedDocumentsFile: missing }))).toThrow(/Invalid setting PERSISTED_DOCUMENTS_FILE/);
  });

  it('is not even looked at with PERSISTED_OPERATIONS_ONLY off (the default)', () => {
    expect(loadStartup({ PERSISTED_DOCUMENTS_FILE: missing }).trustedDocuments).toBeUndefined();
  });
});
