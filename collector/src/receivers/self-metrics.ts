import { Counter, type Registry } from 'prom-client';
import type { CollectorMetrics } from '../observability/metrics.js';
import { DeltaConverter } from '../otlp/delta.js';

const EVICTED = 'meshscope_collector_delta_series_evicted_total';

/** Both receivers may ask for it: the counter is registered once per registry. */
function evictedSeriesCounter(registry: Registry): Counter {
  const existing = registry.getSingleMetric(EVICTED);
  if (existing instanceof Counter) return existing;
  return new Counter({
    name: EVICTED,
    help: 'Cumulative metric series forgotten by the cumulative-to-delta converter (LRU cap reached).',
    registers: [registry],
  });
}

/**
 * The cumulative → delta converter with its eviction counter. Create one per collector and give it to
 * both receivers, so a series keeps its state whichever transport its points arrive on.
 */
export function createDeltaConverter(metrics: CollectorMetrics, maxSeries = 100_000): DeltaConverter {
  const evicted = evictedSeriesCounter(metrics.registry);
  return new DeltaConverter({ maxSeries, onEvict: () => evicted.inc() });
}
