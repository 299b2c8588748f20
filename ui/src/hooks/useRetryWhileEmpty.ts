import { useEffect } from 'react';

/** What the hook needs of a TanStack query result. */
interface Refetchable {
  isFetching: boolean;
  refetch: () => Promise<unknown>;
}

/** Delay between re-asks while a view has nothing to show. */
export const EMPTY_RETRY_MS = 5_000;

/**
 * Asks again every few seconds while a view's answer is empty (and a lookback window is shown), whatever
 * the auto-refresh: right after `meshscope start` the first traffic is stored a few seconds after the page
 * opens, and a newcomer should not wait for the next 15 s refresh, or forever with refresh off. The
 * window stays as it is: rollup minutes are stamped with their start, so the current minute is inside it.
 */
export function useRetryWhileEmpty(query: Refetchable, empty: boolean, enabled: boolean): void {
  const { isFetching, refetch } = query;
  useEffect(() => {
    if (!empty || !enabled || isFetching) return undefined;
    const timer = window.setTimeout(() => void refetch(), EMPTY_RETRY_MS);
    return () => window.clearTimeout(timer);
  }, [empty, enabled, isFetching, refetch]);
}
