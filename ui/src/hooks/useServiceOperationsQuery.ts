import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { meshApi } from '../api/mesh';
import type { TimeWindow } from '../lib/time-range';
import { queryKeys } from './query-keys';

export function useServiceOperationsQuery(service: string, window: TimeWindow) {
  return useQuery({
    queryKey: queryKeys.serviceOperations(service, window),
    queryFn: ({ signal }) =>
      meshApi.serviceOperations(service, { startSec: window.startSec, endSec: window.endSec }, signal),
    placeholderData: keepPreviousData,
  });
}
