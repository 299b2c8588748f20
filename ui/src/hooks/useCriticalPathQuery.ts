import { queryOptions, useQuery } from '@tanstack/react-query';
import { meshApi } from '../api/mesh';
import { queryKeys } from './query-keys';

export const criticalPathQueryOptions = (traceID: string) =>
  queryOptions({
    queryKey: queryKeys.criticalPath(traceID),
    queryFn: ({ signal }) => meshApi.criticalPath(traceID, signal),
    staleTime: Infinity,
  });

export function useCriticalPathQuery(traceID: string, enabled: boolean) {
  return useQuery({ ...criticalPathQueryOptions(traceID), enabled });
}
