/**
 * projectId checks on their own (calls/callAddress.ts); over HTTP, with a count of upstream
 * requests: test/integration/calls/callAddress.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { projectIdProblem } from '../../../src/calls/callAddress.js';

describe('projectIdProblem', () => {
  it.each([
    ['a\ud800b', 'lone high surrogate'],
    ['a\udc00b', 'lone low surrogate'],
    ['\ud800', 'alone'],
    ['ab\udbff', 'at the end'],
  ])('%j (%s) is malformed Unicode', (projectId) => {
    expect(projectIdProblem(projectId)).toMatch(/well-formed Unicode/);
  });

  it.each(['demo-project', 'projet-été', 'team 🚀 calls', '中文项目'])('%j is fine', (projectId) => {
    expect(projectIdProblem(projectId)).toBeUndefined();
  });
});
