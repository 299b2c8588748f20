import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { alertsApi } from '../api/alerts';
import type { TimeWindow } from '../lib/time-range';
import { queryKeys } from './query-keys';

export function useAlertHistoryQuery(rule: string | undefined, window: TimeWindow) {
  return useQuery({
    queryKey: queryKeys.alertHistory(rule, window),
    queryFn: ({ signal }) =>
      alertsApi.history(
        { ...(rule !== undefined ? { rule } : {}), startSec: window.startSec, endSec: window.endSec },
        signal,
      ),
    placeholderData: keepPreviousData,
  });
}
