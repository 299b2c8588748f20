export type {
  AttributeMap,
  MetricGaugeRow,
  MetricHistogramRow,
  MetricRowBase,
  MetricRows,
  MetricSumRow,
  SpanKindName,
  SpanRow,
  StatusCodeName,
} from './storage/rows.js';
export { SPAN_COLUMNS } from './storage/rows.js';
export type { IngestSink } from './ingest/sink.js';
export { IngestUnavailableError } from './ingest/sink.js';
export type { CollectorMetrics } from './observability/metrics.js';
export { createCollectorMetrics } from './observability/metrics.js';
