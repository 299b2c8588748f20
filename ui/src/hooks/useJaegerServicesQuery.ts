import { useQuery } from '@tanstack/react-query';
import { jaegerApi } from '../api/jaeger';
import { queryKeys } from './query-keys';

export function useJaegerServicesQuery() {
  return useQuery({
    queryKey: queryKeys.jaegerServices(),
    queryFn: ({ signal }) => jaegerApi.services(signal),
  });
}
