import { useEffect, useState } from 'react';
import { useSearchParams } from '../routing/router';
import {
  parseRefresh,
  parseTimeRange,
  resolveWindow,
  type TimeRange,
  type TimeWindow,
} from '../lib/time-range';

export interface TimeWindowState {
  range: TimeRange;
  window: TimeWindow;
  /** auto-refresh period in ms, or false */
  refreshMs: number | false;
  /** the `refresh` choice in force (the URL's, else the page's default) and that default */
  refreshChoice: string;
  refreshDefault: string;
  /** move a lookback window to "now" immediately */
  refreshNow: () => void;
}

const nowSec = (): number => Date.now() / 1000;

/**
 * The page's time window from the URL. A lookback is resolved against a "now" that only moves on refresh
 * (auto or manual), so every query on the page shares one window and the cache key stays put in between.
 */
export function useTimeWindow(refreshDefault = 'off'): TimeWindowState {
  const [params] = useSearchParams();
  const range = parseTimeRange(params);
  const refreshChoice = params.get('refresh') ?? refreshDefault;
  const refreshMs = parseRefresh(refreshChoice);
  const [now, setNow] = useState(nowSec);

  useEffect(() => {
    if (refreshMs === false || range.kind === 'absolute') return undefined;
    const timer = window.setInterval(() => setNow(nowSec()), refreshMs);
    return () => window.clearInterval(timer);
  }, [refreshMs, range.kind]);

  // Consumers key on the window's numbers, not its identity, so it is not memoised.
  return {
    range,
    window: resolveWindow(range, now),
    refreshMs,
    refreshChoice,
    refreshDefault,
    refreshNow: () => setNow(nowSec()),
  };
}
