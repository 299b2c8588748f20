import type { QueryClient } from '@tanstack/react-query';
import { criticalPathQueryOptions } from '../hooks/useCriticalPathQuery';
import { traceQueryOptions } from '../hooks/useTraceQuery';

/**
 * Starts the one big request of a deep-linked trace page before React and the page's code chunk load:
 * for a 10,000-span trace the answer takes longer than everything else on the page, so it should start
 * first. The page's hooks then find the request already under way (same query key).
 */
export function prefetchForLocation(client: QueryClient, pathname: string, search: string): void {
  const trace = /^\/traces\/([^/]+)$/.exec(pathname);
  if (!trace?.[1]) return;
  const traceID = decodeURIComponent(trace[1]);
  void client.prefetchQuery(traceQueryOptions(traceID));
  if (new URLSearchParams(search).get('cp') !== 'off')
    void client.prefetchQuery(criticalPathQueryOptions(traceID));
}
