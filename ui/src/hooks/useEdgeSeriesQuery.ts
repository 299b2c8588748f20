import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { meshApi } from '../api/mesh';
import { stepFor, type TimeWindow } from '../lib/time-range';
import { queryKeys } from './query-keys';

export function useEdgeSeriesQuery(edge: { source: string; target: string } | null, window: TimeWindow) {
  const stepSec = stepFor(window);
  return useQuery({
    queryKey: queryKeys.edgeSeries(edge?.source ?? '', edge?.target ?? '', window, stepSec),
    queryFn: ({ signal }) =>
      meshApi.edgeSeries(
        {
          source: edge?.source,
          target: edge?.target,
          startSec: window.startSec,
          endSec: window.endSec,
          stepSec,
        },
        signal,
      ),
    enabled: edge !== null,
    placeholderData: keepPreviousData,
  });
}
