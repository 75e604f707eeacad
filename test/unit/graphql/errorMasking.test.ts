/**
 * Error masking (graphql/errorMasking.ts), the function Yoga applies to every error it
 * answers: a domain error keeps its message, code and path; anything unexpected becomes
 * "Unexpected error." with INTERNAL_SERVER_ERROR and nothing of the original. (Over HTTP, each
 * upstream fault coded on its own field and no credential in any answer:
 * integration/graphql/errorMasking.test.ts.)
 */
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../src/calls/callDataErrors.js';
import { maskError } from '../../../src/graphql/errorMasking.js';

describe('error masking', () => {
  it('keeps domain errors with their code', () => {
    const located = new GraphQLError('wrapped', { originalError: new UpstreamError('Talkstack failed.'), path: ['call'] });
    const masked = maskError(located) as GraphQLError;
    expect(masked.message).toBe('Talkstack failed.');
    expect(masked.extensions.code).toBe('UPSTREAM_ERROR');
    expect(masked.path).toEqual(['call']);
  });

  it('masks anything unexpected, message and all', () => {
    const located = new GraphQLError('key=SECRET', { originalError: new Error('key=SECRET'), path: ['call'] });
    const masked = maskError(located) as GraphQLError;
    expect(masked.message).toBe('Unexpected error.');
    expect(masked.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(JSON.stringify(masked)).not.toContain('SECRET');
    expect((maskError(new TypeError('SECRET')) as GraphQLError).message).toBe('Unexpected error.');
  });
});
