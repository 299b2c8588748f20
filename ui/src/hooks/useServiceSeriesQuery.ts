import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { meshApi } from '../api/mesh';
import { stepFor, type TimeWindow } from '../lib/time-range';
import { queryKeys } from './query-keys';

export function useServiceSeriesQuery(service: string | null, window: TimeWindow) {
  const stepSec = stepFor(window);
  return useQuery({
    queryKey: queryKeys.serviceSeries(service ?? '', window, stepSec),
    queryFn: ({ signal }) =>
      meshApi.serviceSeries(
        service ?? '',
        { startSec: window.startSec, endSec: window.endSec, stepSec },
        signal,
      ),
    enabled: service !== null,
    placeholderData: keepPreviousData,
  });
}
