import type { TraceSummary } from '@meshscope/query/api';
import { describe, expect, it } from 'vitest';
import {
  fieldsFromUrl,
  hasSearch,
  sortResults,
  validateFields,
} from '../../../src/features/trace-search/search-params';

const fields = (over: Record<string, string> = {}) => ({ ...fieldsFromUrl(new URLSearchParams()), ...over });

describe('search fields', () => {
  it('runs a search only once a field is in the URL', () => {
    expect(hasSearch(new URLSearchParams('range=1h'))).toBe(false);
    expect(hasSearch(new URLSearchParams('service=reviews'))).toBe(true);
  });
  it('reports each bad field in words', () => {
    expect(validateFields(fields())).toEqual({});
    expect(validateFields(fields({ tags: 'error', minDuration: '100', limit: '0' }))).toEqual({
      tags: expect.stringContaining('not key=value') as string,
      minDuration: 'use a duration like 100ms or 1.5s',
      limit: 'a whole number from 1',
    });
    expect(validateFields(fields({ minDuration: '2s', maxDuration: '100ms' }))).toEqual({
      maxDuration: 'must be at least the minimum',
    });
  });
});

const summary = (
  traceID: string,
  startUs: number,
  durationUs: number,
  spanCount: number,
  errorCount: number,
): TraceSummary => ({
  traceID,
  rootService: 's',
  rootOperation: 'o',
  startUs,
  durationUs,
  spanCount,
  errorCount,
  services: [],
});

describe('sortResults', () => {
  const traces = [summary('a', 1, 50, 3, 0), summary('b', 3, 10, 9, 2), summary('c', 2, 90, 1, 1)];
  it('sorts by recency, duration, spans and errors', () => {
    expect(sortResults(traces, 'recent').map((t) => t.traceID)).toEqual(['b', 'c', 'a']);
    expect(sortResults(traces, 'longest').map((t) => t.traceID)).toEqual(['c', 'a', 'b']);
    expect(sortResults(traces, 'shortest').map((t) => t.traceID)).toEqual(['b', 'a', 'c']);
    expect(sortResults(traces, 'spans').map((t) => t.traceID)).toEqual(['b', 'a', 'c']);
    expect(sortResults(traces, 'errors').map((t) => t.traceID)).toEqual(['b', 'c', 'a']);
  });
});
