import type { TraceSummary } from '@meshscope/query/api';
import { parseGoDuration } from '../../lib/go-duration';
import { parseLogfmt } from '../../lib/logfmt';

/** The search form's fields, as kept in the URL (the search is bookmarkable and re-runs on load). */
export interface SearchFields {
  service: string;
  operation: string;
  tags: string;
  minDuration: string;
  maxDuration: string;
  limit: string;
}

export const FIELD_KEYS = ['service', 'operation', 'tags', 'minDuration', 'maxDuration', 'limit'] as const;
export const DEFAULT_LIMIT = '20';

export function fieldsFromUrl(params: URLSearchParams): SearchFields {
  return {
    service: params.get('service') ?? '',
    operation: params.get('operation') ?? '',
    tags: params.get('tags') ?? '',
    minDuration: params.get('minDuration') ?? '',
    maxDuration: params.get('maxDuration') ?? '',
    limit: params.get('limit') ?? DEFAULT_LIMIT,
  };
}

/** A search has been asked for when any field is in the URL (a submitted form, or a "traces through here" link). */
export function hasSearch(params: URLSearchParams): boolean {
  return FIELD_KEYS.some((k) => params.has(k));
}

export type FieldErrors = Partial<Record<keyof SearchFields, string>>;

export function validateFields(fields: SearchFields): FieldErrors {
  const errors: FieldErrors = {};
  const tags = parseLogfmt(fields.tags);
  if (!tags.ok) errors.tags = tags.error;
  const min = fields.minDuration.trim() === '' ? null : parseGoDuration(fields.minDuration);
  const max = fields.maxDuration.trim() === '' ? null : parseGoDuration(fields.maxDuration);
  if (fields.minDuration.trim() !== '' && min === null)
    errors.minDuration = 'use a duration like 100ms or 1.5s';
  if (fields.maxDuration.trim() !== '' && max === null)
    errors.maxDuration = 'use a duration like 100ms or 1.5s';
  if (min !== null && max !== null && min > max) errors.maxDuration = 'must be at least the minimum';
  if (!/^[1-9]\d{0,4}$/.test(fields.limit.trim())) errors.limit = 'a whole number from 1';
  return errors;
}

export const RESULT_SORTS = {
  recent: { label: 'Most recent', compare: (a: TraceSummary, b: TraceSummary) => b.startUs - a.startUs },
  longest: {
    label: 'Longest first',
    compare: (a: TraceSummary, b: TraceSummary) => b.durationUs - a.durationUs,
  },
  shortest: {
    label: 'Shortest first',
    compare: (a: TraceSummary, b: TraceSummary) => a.durationUs - b.durationUs,
  },
  spans: { label: 'Most spans', compare: (a: TraceSummary, b: TraceSummary) => b.spanCount - a.spanCount },
  errors: {
    label: 'Most errors',
    compare: (a: TraceSummary, b: TraceSummary) => b.errorCount - a.errorCount,
  },
} as const;
export type ResultSort = keyof typeof RESULT_SORTS;

export function parseResultSort(text: string | null): ResultSort {
  return text !== null && text in RESULT_SORTS ? (text as ResultSort) : 'recent';
}

export function sortResults(traces: readonly TraceSummary[], sort: ResultSort): TraceSummary[] {
  const compare = RESULT_SORTS[sort].compare;
  return traces.toSorted(
    (a, b) => compare(a, b) || b.startUs - a.startUs || a.traceID.localeCompare(b.traceID),
  );
}
