import { useQuery } from '@tanstack/react-query';
import { meshApi } from '../api/mesh';
import { queryKeys } from './query-keys';

export interface TraceSearchParams {
  service?: string;
  operation?: string;
  tags?: string;
  minDuration?: string;
  maxDuration?: string;
  limit?: string;
  startSec: number;
  endSec: number;
}

/** Trace search; runs only once a search has been submitted (`params` not null). */
export function useTraceSummariesQuery(params: TraceSearchParams | null) {
  const key: Record<string, string | number | undefined> = { ...params };
  return useQuery({
    queryKey: queryKeys.traceSummaries(key),
    queryFn: ({ signal }) => meshApi.traceSummaries(key, signal),
    enabled: params !== null,
  });
}
