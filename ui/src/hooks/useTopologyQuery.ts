import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import type { GraphType } from '@meshscope/query/api';
import { meshApi } from '../api/mesh';
import type { TimeWindow } from '../lib/time-range';
import { queryKeys } from './query-keys';

export const topologyQueryOptions = (window: TimeWindow, graphType: GraphType, idle: boolean) =>
  queryOptions({
    queryKey: queryKeys.topology(window, graphType, idle),
    queryFn: ({ signal }) =>
      meshApi.topology({ startSec: window.startSec, endSec: window.endSec, graphType, idle }, signal),
  });

export function useTopologyQuery(window: TimeWindow, graphType: GraphType, idle: boolean) {
  return useQuery({ ...topologyQueryOptions(window, graphType, idle), placeholderData: keepPreviousData });
}
