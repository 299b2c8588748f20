import type { TraceServiceSummary } from '@meshscope/collector';
import type { TraceSummary } from '../api/mesh.js';
import { compare, groupBy } from './services.js';

/**
 * Search-result summaries from per-(trace, service) aggregates, in the order the traces were found. The
 * root is the earliest span without a parent; a trace whose root was never stored (still in flight, or
 * dropped) is named after its earliest span, as Jaeger UI names such traces.
 */
export function traceSummariesFrom(
  orderedTraceIds: readonly string[],
  rows: readonly TraceServiceSummary[],
): TraceSummary[] {
  const byTrace = groupBy(rows, (r) => r.traceId);
  const out: TraceSummary[] = [];
  for (const traceID of orderedTraceIds) {
    const services = byTrace.get(traceID);
    if (!services || services.length === 0) continue;
    const startUs = Math.min(...services.map((s) => s.startUs));
    const endUs = Math.max(...services.map((s) => s.endUs));
    const rooted = services.filter((s) => s.rootStartUs !== null);
    const root =
      rooted.length > 0
        ? rooted.reduce((a, b) => ((b.rootStartUs ?? 0) < (a.rootStartUs ?? 0) ? b : a))
        : services.reduce((a, b) => (b.startUs < a.startUs ? b : a));
    out.push({
      traceID,
      rootService: root.service,
      rootOperation: rooted.length > 0 ? root.rootOperation : root.firstOperation,
      startUs,
      durationUs: Math.max(0, endUs - startUs),
      spanCount: services.reduce((n, s) => n + s.spans, 0),
      errorCount: services.reduce((n, s) => n + s.errors, 0),
      services: services
        .map((s) => ({ name: s.service, spanCount: s.spans }))
        .sort((a, b) => b.spanCount - a.spanCount || compare(a.name, b.name)),
    });
  }
  return out;
}
