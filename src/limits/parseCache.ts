/**
 * Yoga's parse cache, bounded by memory rather than by count.
 *
 * Yoga keeps up to 1,024 parsed documents and 1,024 parse failures, each keyed by its whole
 * text. With documents up to MAX_DOCUMENT_BYTES (64 KiB) and MAX_TOKENS (2,000) that is not
 * small: measured, a near-limit document with ~2,000 tokens keeps ~350 KB alive (text, tokens,
 * AST), so 1,024 distinct ones held ~360 MB of heap (~435 MB RSS), for anyone to fill.
 * Here each entry is weighed (its text at two bytes a character, plus an estimate per token)
 * and the least recently used go once over budget. The estimate is what a document costs
 * with everything that stays alive with it (validation results and the request's leftovers
 * included): 400 such documents measured ~75 MB of heap after GC, ~1 MB per 64 KiB /
 * 2,000-token document, hence ~440 bytes a token; at 150 the cache held 2.3× its budget.
 * Yoga's validation cache hangs off the document objects (a WeakMap), so it shrinks with this one.
 */
import type { DocumentNode, Token } from 'graphql';

/** Estimated heap bytes per token of a cached document (token, AST node, location). */
const BYTES_PER_TOKEN = 440;
const MAX_ENTRIES = 1024;
/** Room for hundreds of near-limit documents, or every entry of an ordinary client's. */
export const DOCUMENT_CACHE_BYTES = 32 * 1024 * 1024;
export const ERROR_CACHE_BYTES = 8 * 1024 * 1024;

/** A least-recently-used map whose entries' weights add up to at most `maxWeight`. */
export class WeightedLruCache<T> {
  readonly #entries = new Map<string, { value: T; weight: number }>();
  #weight = 0;

  constructor(
    private readonly maxWeight: number,
    private readonly maxEntries: number,
    private readonly weigh: (key: string, value: T) => number,
  ) {}

  /** Sum of the weights held. */
  get weight(): number {
    return this.#weight;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): T | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    // Map iteration follows insertion: re-inserting makes it the most recent.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: T): void {
    this.#remove(key);
    const weight = this.weigh(key, value);
    if (weight > this.maxWeight) return;
    this.#entries.set(key, { value, weight });
    this.#weight += weight;
    while (this.#weight > this.maxWeight || this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#remove(oldest.value);
    }
  }

  #remove(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#weight -= entry.weight;
  }
}

/** Tokens of a parsed document, from its token list (at most MAX_TOKENS long). */
function tokensOf(document: DocumentNode): number {
  let count = 0;
  for (let token: Token | null | undefined = document.loc?.startToken; token; token = token.next) count++;
  return count;
}

export const documentWeight = (text: string, document: DocumentNode): number => 2 * text.length + BYTES_PER_TOKEN * tokensOf(document);

/** The `parserAndValidationCache` option of createYoga: Yoga's caching, bounded by weight. */
export function boundedParserCache() {
  return {
    documentCache: new WeightedLruCache<DocumentNode>(DOCUMENT_CACHE_BYTES, MAX_ENTRIES, documentWeight),
    // A failure holds little besides its key (and maybe the source text, the same string).
    errorCache: new WeightedLruCache<unknown>(ERROR_CACHE_BYTES, MAX_ENTRIES, (text) => 2 * text.length + 1024),
    validationCache: true,
  };
}
