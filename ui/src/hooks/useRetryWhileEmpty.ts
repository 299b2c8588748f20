import { useEffect, useRef } from 'react';

/** Delay between re-asks while a view has nothing to show. */
export const EMPTY_RETRY_MS = 5_000;

/**
 * Asks again every few seconds while a view's answer is empty, whatever the auto-refresh: right after
 * `meshscope start` the first traffic is stored a few seconds after the page opens, and a newcomer should
 * not wait for the next 15 s refresh, or forever with refresh off. `askAgain` moves a lookback window to
 * now (undefined: an absolute range, nothing to re-ask): the first rollup minute may start after the
 * window the page opened with ended, so asking for the same window again could stay empty for good.
 */
export function useRetryWhileEmpty(
  isFetching: boolean,
  empty: boolean,
  askAgain: (() => void) | undefined,
): void {
  const ask = useRef(askAgain);
  useEffect(() => {
    ask.current = askAgain;
  });
  const enabled = askAgain !== undefined;
  useEffect(() => {
    if (!empty || !enabled || isFetching) return undefined;
    const timer = window.setTimeout(() => ask.current?.(), EMPTY_RETRY_MS);
    return () => window.clearTimeout(timer);
  }, [empty, enabled, isFetching]);
}
