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

// storage: client, configuration, migrations, read API
export { createStorageClient, StorageOpenError } from './storage/client.js';
export type { StorageClient } from './storage/client.js';
export { storageConfigSchema, retentionSchema, queryLimitsSchema } from './storage/config.js';
export type { StorageConfig, RetentionConfig, QueryLimits } from './storage/config.js';
export { migrate, SchemaTooNewError } from './storage/migrate.js';
export { applyRetention } from './storage/retention.js';
export { LATEST_SCHEMA_VERSION } from './storage/schema/migrations.js';
export { Tables, LATENCY_BOUNDS_MS } from './storage/schema/tables.js';
export { ReadApi, QUANTILES } from './storage/read/read-api.js';
export type {
  EdgePoint,
  EdgeQuery,
  Latency,
  OperationInfo,
  RedGroup,
  RedPoint,
  ReadOptions,
  RedQuery,
  SpanSearch,
  TraceTimeRange,
  TraceHit,
  Window,
} from './storage/read/read-api.js';
export { Params, readSettings } from './storage/read/sql.js';
export { SPAN_SELECT, toSpanRow } from './storage/read/spans.js';

// reads for the mesh views: traffic counted once, saturation gauges, trace summaries and samples
export type {
  MeshTrafficQuery,
  MeshTrafficRow,
  ProtocolCounts,
  TrafficEndpoint,
  TrafficEndpointSeen,
  TrafficLevel,
} from './storage/read/mesh-traffic.js';
export type { SaturationPoint, SaturationQuery } from './storage/read/saturation.js';
export type {
  OperationSampleQuery,
  OperationSamples,
  TraceServiceSummary,
} from './storage/read/trace-summaries.js';

// writing: batching writer, spool, sink
export { BatchingWriter, StorageRejectedError } from './writer/batching-writer.js';
export type { WriterOptions } from './writer/batching-writer.js';
export { insertBatch } from './writer/insert.js';
export type { TableRows } from './writer/insert.js';
export { Spool } from './spool/spool.js';
export { StorageSink } from './ingest/storage-sink.js';
export { edgeRowsFromHistograms } from './rollups/edges.js';
export type { EdgeInputRow } from './rollups/edges.js';

// ingest pipeline and span pairing as units (the all-in-one, and tests that seed storage through them)
export { startIngestPipeline } from './ingest/pipeline.js';
export type { IngestPipeline, PipelineOptions } from './ingest/pipeline.js';
export { SpanPairingJob } from './rollups/span-pairing.js';
export type { PairingOptions } from './rollups/span-pairing.js';

// configuration of the collector role
export { collectorConfigSchema } from './config.js';
export type { CollectorConfig } from './config.js';

// OTLP: decoders (protobuf and JSON), cumulative-to-delta conversion, HTTP and gRPC receivers
export { decodeTraceRequest } from './otlp/proto/traces.js';
export { decodeMetricsRequest } from './otlp/proto/metrics.js';
export { decodeTraceRequestJson } from './otlp/json/traces.js';
export { decodeMetricsRequestJson } from './otlp/json/metrics.js';
export { DecodeError } from './otlp/errors.js';
export type { DecodedMetrics, DecodedTraces } from './otlp/decoded.js';
export { DeltaConverter } from './otlp/delta.js';
export type { DeltaOptions, DeltaResult } from './otlp/delta.js';
export { buildOtlpHttpApp } from './receivers/http.js';
export type { OtlpHttpDeps } from './receivers/http.js';
export { startOtlpGrpcServer } from './receivers/grpc.js';
export type { OtlpGrpcOptions, OtlpGrpcServer } from './receivers/grpc.js';
export { createDeltaConverter } from './receivers/self-metrics.js';
export { DEFAULT_BODY_LIMITS } from './receivers/body.js';
export type { BodyLimits } from './receivers/body.js';

// The collector as one unit (what `meshscope collector` and the all-in-one run)
export { startCollector } from './collector.js';
export type { CollectorHandle } from './collector.js';
