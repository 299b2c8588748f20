import type { ServiceSummary } from '@meshscope/query/api';
import { HEALTH_RANK } from '../../lib/health';

export const SERVICE_SORT_KEYS = ['health', 'name', 'rps', 'errors', 'p50', 'p95', 'p99'] as const;
export type ServiceSortKey = (typeof SERVICE_SORT_KEYS)[number];

const value: Record<ServiceSortKey, (s: ServiceSummary) => number | string> = {
  health: (s) => HEALTH_RANK[s.health],
  name: (s) => s.name,
  rps: (s) => s.requestsPerSec,
  errors: (s) => s.errorRate,
  // missing latency sorts as slowest-last either way
  p50: (s) => s.latencyMs.p50 ?? -1,
  p95: (s) => s.latencyMs.p95 ?? -1,
  p99: (s) => s.latencyMs.p99 ?? -1,
};

export function parseSortKey(text: string | null): ServiceSortKey {
  return (SERVICE_SORT_KEYS as readonly string[]).includes(text ?? '') ? (text as ServiceSortKey) : 'health';
}

export function sortServices(
  services: readonly ServiceSummary[],
  key: ServiceSortKey,
  descending: boolean,
): ServiceSummary[] {
  const get = value[key];
  const sign = descending ? -1 : 1;
  return services.toSorted((a, b) => {
    const x = get(a);
    const y = get(b);
    const order = typeof x === 'string' || typeof y === 'string' ? String(x).localeCompare(String(y)) : x - y;
    return sign * order || a.name.localeCompare(b.name);
  });
}
