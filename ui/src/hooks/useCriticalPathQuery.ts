import { useQuery } from '@tanstack/react-query';
import { meshApi } from '../api/mesh';
import { queryKeys } from './query-keys';

export function useCriticalPathQuery(traceID: string, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.criticalPath(traceID),
    queryFn: ({ signal }) => meshApi.criticalPath(traceID, signal),
    enabled,
    staleTime: Infinity,
  });
}
