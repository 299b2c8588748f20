import { useQuery } from '@tanstack/react-query';
import { jaegerApi } from '../api/jaeger';
import { queryKeys } from './query-keys';

export function useJaegerOperationsQuery(service: string) {
  return useQuery({
    queryKey: queryKeys.jaegerOperations(service),
    queryFn: ({ signal }) => jaegerApi.operations(service, signal),
    enabled: service !== '',
  });
}
