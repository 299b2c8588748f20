import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { meshApi } from '../api/mesh';
import type { TimeWindow } from '../lib/time-range';
import { queryKeys } from './query-keys';

export function useServicesQuery(window: TimeWindow) {
  return useQuery({
    queryKey: queryKeys.services(window),
    queryFn: ({ signal }) => meshApi.services({ startSec: window.startSec, endSec: window.endSec }, signal),
    placeholderData: keepPreviousData,
  });
}
