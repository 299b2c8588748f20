import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { alertsApi } from '../api/alerts';
import type { TimeWindow } from '../lib/time-range';
import { queryKeys } from './query-keys';

/**
 * Transitions in the window. A lookback asks without an end, so the service's "now" ends it: the page's
 * window end is rounded down to share cache entries, and a transition of the last seconds must not be left
 * out of the history.
 */
export function useAlertHistoryQuery(rule: string | undefined, window: TimeWindow, openEnded: boolean) {
  return useQuery({
    queryKey: [...queryKeys.alertHistory(rule, window), openEnded],
    queryFn: ({ signal }) =>
      alertsApi.history(
        {
          ...(rule !== undefined ? { rule } : {}),
          startSec: window.startSec,
          ...(openEnded ? {} : { endSec: window.endSec }),
        },
        signal,
      ),
    placeholderData: keepPreviousData,
  });
}
