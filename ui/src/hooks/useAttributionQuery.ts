import { useQuery } from '@tanstack/react-query';
import { meshApi } from '../api/mesh';
import type { TimeWindow } from '../lib/time-range';
import { queryKeys } from './query-keys';

export function useAttributionQuery(service: string, operation: string | null, window: TimeWindow) {
  return useQuery({
    queryKey: queryKeys.attribution(service, operation ?? '', window),
    queryFn: ({ signal }) =>
      meshApi.attribution(
        { service, operation: operation ?? '', startSec: window.startSec, endSec: window.endSec },
        signal,
      ),
    enabled: operation !== null,
  });
}
