import { useEffect, useRef } from 'react';

/** What the hook needs of a TanStack query result. */
interface Refetchable {
  isFetching: boolean;
  refetch: () => Promise<unknown>;
}

/** Delay between re-asks while a view has nothing to show. */
export const EMPTY_RETRY_MS = 5_000;

/**
 * Asks again every few seconds while a view's answer is empty, whatever the auto-refresh: right after
 * `meshscope start` the first traffic is stored a few seconds after the page opens, and a newcomer should
 * not wait for the next 15 s refresh, or forever with refresh off. Each re-ask first moves a lookback
 * window to now (`moveToNow`; undefined for an absolute range, which is not re-asked): the first rollup
 * minute may start after the end of the window the page opened with. It also refetches, because windows
 * are rounded and a window moved by a few seconds can be the same query as before.
 */
export function useRetryWhileEmpty(
  query: Refetchable,
  empty: boolean,
  moveToNow: (() => void) | undefined,
): void {
  const { isFetching, refetch } = query;
  const move = useRef(moveToNow);
  useEffect(() => {
    move.current = moveToNow;
  });
  const enabled = moveToNow !== undefined;
  useEffect(() => {
    if (!empty || !enabled || isFetching) return undefined;
    const timer = window.setTimeout(() => {
      move.current?.();
      void refetch();
    }, EMPTY_RETRY_MS);
    return () => window.clearTimeout(timer);
  }, [empty, enabled, isFetching, refetch]);
}
