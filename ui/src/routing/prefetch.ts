import type { QueryClient } from '@tanstack/react-query';
import { graphTypeSchema } from '@meshscope/query/api';
import { criticalPathQueryOptions } from '../hooks/useCriticalPathQuery';
import { topologyQueryOptions } from '../hooks/useTopologyQuery';
import { traceQueryOptions } from '../hooks/useTraceQuery';
import { parseTimeRange, resolveWindow } from '../lib/time-range';

/**
 * Starts the one big request of a deep-linked page before React and the page's code chunk have loaded:
 * for a 10,000-span trace or a 300-node graph the answer is the slowest part of the page, so it should
 * start first. The page's hooks then find the request already under way (same query key; a lookback
 * window is aligned to 10 s, so the page computes the same one).
 */
export function prefetchForLocation(client: QueryClient, pathname: string, search: string): void {
  const params = new URLSearchParams(search);
  const trace = /^\/traces\/([^/]+)$/.exec(pathname);
  if (trace?.[1]) {
    const traceID = decodeURIComponent(trace[1]);
    void client.prefetchQuery(traceQueryOptions(traceID));
    if (params.get('cp') !== 'off') void client.prefetchQuery(criticalPathQueryOptions(traceID));
    return;
  }
  if (pathname === '/' || pathname === '/topology') {
    const window = resolveWindow(parseTimeRange(params), Date.now() / 1000);
    const graphType = graphTypeSchema.catch('service').parse(params.get('graph') ?? 'service');
    void client.prefetchQuery(topologyQueryOptions(window, graphType, params.get('idle') === '1'));
  }
}
