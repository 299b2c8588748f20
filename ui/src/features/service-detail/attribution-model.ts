import type { LatencyAttribution } from '@meshscope/query/api';

export interface ServiceShare {
  service: string;
  /** share of the slow traces' critical path, 0…1 */
  slowShare: number;
  baselineShare: number;
  /** mean µs added per slow trace versus the baseline */
  deltaMeanUs: number;
}

/** Operations summed per service: "who owns the slow critical path", largest slow share first. */
export function sharesByService(attribution: LatencyAttribution): ServiceShare[] {
  const byService = new Map<string, ServiceShare>();
  for (const op of attribution.operations) {
    const row = byService.get(op.service) ?? {
      service: op.service,
      slowShare: 0,
      baselineShare: 0,
      deltaMeanUs: 0,
    };
    row.slowShare += op.slow.share;
    row.baselineShare += op.baseline.share;
    row.deltaMeanUs += op.delta.meanUs;
    byService.set(op.service, row);
  }
  return [...byService.values()].sort(
    (a, b) => b.slowShare - a.slowShare || a.service.localeCompare(b.service),
  );
}
