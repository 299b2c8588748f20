import { queryOptions, useQuery } from '@tanstack/react-query';
import { jaegerApi } from '../api/jaeger';
import { queryKeys } from './query-keys';

/** A whole trace; traces do not change once complete, so it is never refetched in the background. */
export const traceQueryOptions = (traceID: string) =>
  queryOptions({
    queryKey: queryKeys.trace(traceID),
    queryFn: ({ signal }) => jaegerApi.trace(traceID, signal),
    staleTime: Infinity,
  });

export function useTraceQuery(traceID: string) {
  return useQuery(traceQueryOptions(traceID));
}
