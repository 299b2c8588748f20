import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The collector's own Prometheus metrics, on a registry of its own (never the global one). */
export interface CollectorMetrics {
  readonly registry: Registry;
  /** Spans decoded from requests that reached a receiver. labels: transport = http | grpc */
  readonly receivedSpans: Counter<'transport'>;
  /** Spans refused individually (partial_success) or with their whole request. labels: transport, reason */
  readonly rejectedSpans: Counter<'transport' | 'reason'>;
  readonly receivedMetricPoints: Counter<'transport'>;
  readonly rejectedMetricPoints: Counter<'transport' | 'reason'>;
  /** Export requests answered. labels: transport, signal = traces | metrics | logs, code (HTTP status or gRPC code name) */
  readonly requests: Counter<'transport' | 'signal' | 'code'>;
  /** Rows inserted into ClickHouse (directly or by spool replay). labels: table */
  readonly writtenRows: Counter<'table'>;
  /** Rows waiting in the batching writer's queue. */
  readonly queueRows: Gauge;
  /** Bytes held in the on-disk spool. */
  readonly spoolBytes: Gauge;
  /** ClickHouse insert latency. labels: table */
  readonly insertDuration: Histogram<'table'>;
  /** Inserts that failed (the batch then went to the spool). labels: table */
  readonly insertFailures: Counter<'table'>;
}

export function createCollectorMetrics(registry = new Registry()): CollectorMetrics {
  collectDefaultMetrics({ register: registry, prefix: 'meshscope_collector_' });
  const r = [registry];
  return {
    registry,
    receivedSpans: new Counter({
      name: 'meshscope_collector_received_spans_total',
      help: 'Spans received by the OTLP receivers.',
      labelNames: ['transport'],
      registers: r,
    }),
    rejectedSpans: new Counter({
      name: 'meshscope_collector_rejected_spans_total',
      help: 'Spans rejected (invalid, or refused under back-pressure).',
      labelNames: ['transport', 'reason'],
      registers: r,
    }),
    receivedMetricPoints: new Counter({
      name: 'meshscope_collector_received_metric_points_total',
      help: 'Metric data points received by the OTLP receivers.',
      labelNames: ['transport'],
      registers: r,
    }),
    rejectedMetricPoints: new Counter({
      name: 'meshscope_collector_rejected_metric_points_total',
      help: 'Metric data points rejected (invalid, unsupported, or refused under back-pressure).',
      labelNames: ['transport', 'reason'],
      registers: r,
    }),
    requests: new Counter({
      name: 'meshscope_collector_requests_total',
      help: 'OTLP export requests answered, by status.',
      labelNames: ['transport', 'signal', 'code'],
      registers: r,
    }),
    writtenRows: new Counter({
      name: 'meshscope_collector_written_rows_total',
      help: 'Rows inserted into ClickHouse.',
      labelNames: ['table'],
      registers: r,
    }),
    queueRows: new Gauge({
      name: 'meshscope_collector_queue_rows',
      help: 'Rows waiting in the batching writer.',
      registers: r,
    }),
    spoolBytes: new Gauge({
      name: 'meshscope_collector_spool_bytes',
      help: 'Bytes held in the on-disk spool while ClickHouse is unreachable.',
      registers: r,
    }),
    insertDuration: new Histogram({
      name: 'meshscope_collector_insert_duration_seconds',
      help: 'ClickHouse insert latency.',
      labelNames: ['table'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: r,
    }),
    insertFailures: new Counter({
      name: 'meshscope_collector_insert_failures_total',
      help: 'ClickHouse inserts that failed; their rows went to the spool.',
      labelNames: ['table'],
      registers: r,
    }),
  };
}
