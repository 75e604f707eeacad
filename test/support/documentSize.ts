/** What the operation limits (MAX_ALIASES, MAX_TOKENS) measure of a document. */
import { Kind, Lexer, parse, Source, TokenKind, visit } from 'graphql';

export function countTokens(query: string): number {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count++;
  return count;
}

export function countAliases(query: string): number {
  let count = 0;
  visit(parse(query), {
    [Kind.FIELD]: (node) => {
      if (node.alias) count++;
    },
  });
  return count;
}
