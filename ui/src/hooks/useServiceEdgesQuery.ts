import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { meshApi } from '../api/mesh';
import type { TimeWindow } from '../lib/time-range';
import { queryKeys } from './query-keys';

export function useServiceEdgesQuery(service: string, window: TimeWindow) {
  return useQuery({
    queryKey: queryKeys.serviceEdges(service, window),
    queryFn: ({ signal }) =>
      meshApi.serviceEdges(service, { startSec: window.startSec, endSec: window.endSec }, signal),
    placeholderData: keepPreviousData,
  });
}
