import { AGENT_RESOURCE_ATTR, HTTP_DURATION_BUCKETS_SEC } from '../../conventions/mesh.js';
import type { SchemaContext, TableSpec, ViewSpec } from './ddl.js';

/**
 * Table names. The otel_* names and layouts are the OpenTelemetry Collector contrib clickhouseexporter's,
 * so an OpenTelemetry Collector configured with `create_schema: false` writes into the same tables.
 */
export const Tables = {
  traces: 'otel_traces',
  traceIdTs: 'otel_traces_trace_id_ts',
  metricsSum: 'otel_metrics_sum',
  metricsGauge: 'otel_metrics_gauge',
  metricsHistogram: 'otel_metrics_histogram',
  operations: 'meshscope_operations',
  red1m: 'meshscope_red_1m',
  red1h: 'meshscope_red_1h',
  edgeInput: 'meshscope_edge_input',
  edges1m: 'meshscope_edges_1m',
  edges1h: 'meshscope_edges_1h',
  migrations: 'meshscope_schema_migrations',
  alertRules: 'meshscope_alert_rules',
  alertState: 'meshscope_alert_state',
  alertHistory: 'meshscope_alert_history',
  alertSilences: 'meshscope_alert_silences',
  alertGroups: 'meshscope_alert_groups',
} as const;

/** Upper bounds (ms) of the fixed latency buckets in every rollup; the last bucket is +Inf. */
export const LATENCY_BOUNDS_MS: readonly number[] = HTTP_DURATION_BUCKETS_SEC.map((s) =>
  Math.round(s * 1000),
);

const ZSTD = 'CODEC(ZSTD(1))';
const ATTRS = `Map(LowCardinality(String), String) ${ZSTD}`;

function days(ctx: SchemaContext, family: keyof SchemaContext['retention']): number {
  return ctx.retention[family];
}

// ---------------------------------------------------------------------------------------------- traces

export function tracesTable(ctx: SchemaContext): TableSpec {
  return {
    name: Tables.traces,
    columns: [
      'Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1))',
      `TraceId String ${ZSTD}`,
      `SpanId String ${ZSTD}`,
      `ParentSpanId String ${ZSTD}`,
      `TraceState String ${ZSTD}`,
      `SpanName LowCardinality(String) ${ZSTD}`,
      `SpanKind LowCardinality(String) ${ZSTD}`,
      `ServiceName LowCardinality(String) ${ZSTD}`,
      `ResourceAttributes ${ATTRS}`,
      `ScopeName String ${ZSTD}`,
      `ScopeVersion String ${ZSTD}`,
      `SpanAttributes ${ATTRS}`,
      'Duration UInt64 CODEC(T64, ZSTD(1))',
      `StatusCode LowCardinality(String) ${ZSTD}`,
      `StatusMessage String ${ZSTD}`,
      `Events Nested (Timestamp DateTime64(9), Name LowCardinality(String), Attributes Map(LowCardinality(String), String)) ${ZSTD}`,
      `Links Nested (TraceId String, SpanId String, TraceState String, Attributes Map(LowCardinality(String), String)) ${ZSTD}`,
      'INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1',
      'INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
      'INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
      'INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
      'INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
      'INDEX idx_duration Duration TYPE minmax GRANULARITY 1',
      'INDEX idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8',
    ],
    engine: 'MergeTree',
    partitionBy: 'toDate(Timestamp)',
    primaryKey: '(ServiceName, SpanName, toDateTime(Timestamp))',
    orderBy: '(ServiceName, SpanName, toDateTime(Timestamp), Timestamp)',
    ttl: `toDateTime(Timestamp) + toIntervalDay(${days(ctx, 'tracesDays')})`,
    settings: ['index_granularity = 8192', 'ttl_only_drop_parts = 1'],
    shardingKey: 'cityHash64(TraceId)',
  };
}

export function traceIdTsTable(ctx: SchemaContext): TableSpec {
  return {
    name: Tables.traceIdTs,
    columns: [
      `TraceId String ${ZSTD}`,
      `Start SimpleAggregateFunction(min, DateTime) ${ZSTD}`,
      `End SimpleAggregateFunction(max, DateTime) ${ZSTD}`,
    ],
    engine: 'AggregatingMergeTree',
    partitionBy: 'toStartOfWeek(Start)',
    orderBy: '(TraceId)',
    ttl: `toDateTime(Start) + toIntervalDay(${days(ctx, 'tracesDays')})`,
    settings: ['index_granularity = 8192', 'ttl_only_drop_parts = 1'],
    shardingKey: 'cityHash64(TraceId)',
  };
}

export const traceIdTsView: ViewSpec = {
  name: 'otel_traces_trace_id_ts_mv',
  to: Tables.traceIdTs,
  from: Tables.traces,
  select: `SELECT TraceId, min(Timestamp) AS Start, max(Timestamp) AS End
FROM {source}
WHERE TraceId != ''
GROUP BY TraceId`,
};

// ------------------------------------------------------------------------------ operations catalog

export function operationsTable(ctx: SchemaContext): TableSpec {
  return {
    name: Tables.operations,
    columns: [
      'ServiceName LowCardinality(String)',
      'SpanName LowCardinality(String)',
      'SpanKind LowCardinality(String)',
      'LastSeen SimpleAggregateFunction(max, DateTime)',
      'Spans SimpleAggregateFunction(sum, UInt64)',
    ],
    engine: 'AggregatingMergeTree',
    orderBy: '(ServiceName, SpanName, SpanKind)',
    ttl: `LastSeen + toIntervalDay(${days(ctx, 'rollupMinuteDays')})`,
    shardingKey: 'rand()',
  };
}

export const operationsView: ViewSpec = {
  name: 'meshscope_operations_mv',
  to: Tables.operations,
  from: Tables.traces,
  select: `SELECT ServiceName, SpanName, SpanKind, max(toDateTime(Timestamp)) AS LastSeen, count() AS Spans
FROM {source}
GROUP BY ServiceName, SpanName, SpanKind`,
};

// -------------------------------------------------------------------------------------------- metrics

const METRIC_COMMON = [
  `ResourceAttributes ${ATTRS}`,
  `ResourceSchemaUrl String ${ZSTD}`,
  `ScopeName String ${ZSTD}`,
  `ScopeVersion String ${ZSTD}`,
  `ScopeAttributes ${ATTRS}`,
  `ScopeDroppedAttrCount UInt32 ${ZSTD}`,
  `ScopeSchemaUrl String ${ZSTD}`,
  `ServiceName LowCardinality(String) ${ZSTD}`,
  `MetricName String ${ZSTD}`,
  `MetricDescription String ${ZSTD}`,
  `MetricUnit String ${ZSTD}`,
  `Attributes ${ATTRS}`,
  'StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1))',
  'TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1))',
];
const EXEMPLARS = `Exemplars Nested (FilteredAttributes Map(LowCardinality(String), String), TimeUnix DateTime64(9), Value Float64, SpanId String, TraceId String) ${ZSTD}`;
const METRIC_INDEXES = [
  'INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
  'INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
  'INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1',
  'INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1',
];

function metricsTable(ctx: SchemaContext, name: string, valueColumns: string[]): TableSpec {
  return {
    name,
    columns: [...METRIC_COMMON, ...valueColumns, ...METRIC_INDEXES],
    engine: 'MergeTree',
    partitionBy: 'toDate(TimeUnix)',
    orderBy: '(ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix)',
    ttl: `toDateTime(TimeUnix) + toIntervalDay(${days(ctx, 'metricsDays')})`,
    settings: ['index_granularity = 8192', 'ttl_only_drop_parts = 1'],
    shardingKey: 'rand()',
  };
}

export const metricsSumTable = (ctx: SchemaContext): TableSpec =>
  metricsTable(ctx, Tables.metricsSum, [
    `Value Float64 ${ZSTD}`,
    `Flags UInt32 ${ZSTD}`,
    EXEMPLARS,
    `AggregationTemporality Int32 ${ZSTD}`,
    'IsMonotonic Boolean CODEC(Delta, ZSTD(1))',
  ]);

export const metricsGaugeTable = (ctx: SchemaContext): TableSpec =>
  metricsTable(ctx, Tables.metricsGauge, [`Value Float64 ${ZSTD}`, `Flags UInt32 ${ZSTD}`, EXEMPLARS]);

export const metricsHistogramTable = (ctx: SchemaContext): TableSpec =>
  metricsTable(ctx, Tables.metricsHistogram, [
    'Count UInt64 CODEC(Delta, ZSTD(1))',
    `Sum Float64 ${ZSTD}`,
    `BucketCounts Array(UInt64) ${ZSTD}`,
    `ExplicitBounds Array(Float64) ${ZSTD}`,
    EXEMPLARS,
    `Flags UInt32 ${ZSTD}`,
    `Min Float64 ${ZSTD}`,
    `Max Float64 ${ZSTD}`,
    `AggregationTemporality Int32 ${ZSTD}`,
  ]);

// -------------------------------------------------------------------------------- RED from spans

const RED_MEASURES = [
  'Requests SimpleAggregateFunction(sum, UInt64)',
  /** spans with StatusCode = 'Error' */
  'Errors SimpleAggregateFunction(sum, UInt64)',
  'Http4xx SimpleAggregateFunction(sum, UInt64)',
  'Http5xx SimpleAggregateFunction(sum, UInt64)',
  'GrpcErrors SimpleAggregateFunction(sum, UInt64)',
  'DurationSumNs SimpleAggregateFunction(sum, UInt64)',
  'DurationMaxNs SimpleAggregateFunction(max, UInt64)',
  /** t-digest of durations in ms */
  'LatencyDigest AggregateFunction(quantileTDigest, Float64)',
  /** cumulative ("le") counts on LATENCY_BOUNDS_MS plus +Inf */
  'LatencyBuckets AggregateFunction(sumForEach, Array(UInt64))',
];

function redTable(ctx: SchemaContext, name: string, bucket: 'Minute' | 'Hour'): TableSpec {
  const family = bucket === 'Minute' ? 'rollupMinuteDays' : 'rollupHourDays';
  return {
    name,
    columns: [
      `${bucket} DateTime('UTC')`,
      'ServiceName LowCardinality(String)',
      'SpanName LowCardinality(String)',
      'SpanKind LowCardinality(String)',
      /** 1 when the span came from a meshscope agent: mesh requests are counted from agent metrics instead */
      'FromAgent UInt8',
      ...RED_MEASURES,
    ],
    engine: 'AggregatingMergeTree',
    partitionBy: `toDate(${bucket})`,
    orderBy: `(ServiceName, SpanKind, SpanName, FromAgent, ${bucket})`,
    ttl: `${bucket} + toIntervalDay(${days(ctx, family)})`,
    settings: ['ttl_only_drop_parts = 1'],
    shardingKey: 'rand()',
  };
}

export const red1mTable = (ctx: SchemaContext): TableSpec => redTable(ctx, Tables.red1m, 'Minute');
export const red1hTable = (ctx: SchemaContext): TableSpec => redTable(ctx, Tables.red1h, 'Hour');

const boundsNs = `[${LATENCY_BOUNDS_MS.map((ms) => ms * 1_000_000).join(', ')}]`;
const HTTP_STATUS = `toUInt16OrZero(if(SpanAttributes['http.response.status_code'] != '', SpanAttributes['http.response.status_code'], SpanAttributes['http.status_code']))`;

export const red1mView: ViewSpec = {
  name: 'meshscope_red_1m_mv',
  to: Tables.red1m,
  from: Tables.traces,
  select: `SELECT
    toStartOfMinute(Timestamp, 'UTC') AS Minute,
    ServiceName, SpanName, SpanKind,
    toUInt8(ResourceAttributes['${AGENT_RESOURCE_ATTR}'] = 'true') AS FromAgent,
    count() AS Requests,
    countIf(StatusCode = 'Error') AS Errors,
    countIf(${HTTP_STATUS} BETWEEN 400 AND 499) AS Http4xx,
    countIf(${HTTP_STATUS} >= 500) AS Http5xx,
    countIf(SpanAttributes['rpc.grpc.status_code'] NOT IN ('', '0')) AS GrpcErrors,
    sum(Duration) AS DurationSumNs,
    max(Duration) AS DurationMaxNs,
    quantileTDigestState(Duration / 1e6) AS LatencyDigest,
    sumForEachState(arrayConcat(arrayMap(b -> toUInt64(Duration <= b), ${boundsNs}), [toUInt64(1)])) AS LatencyBuckets
FROM {source}
GROUP BY Minute, ServiceName, SpanName, SpanKind, FromAgent`,
};

export const red1hView: ViewSpec = {
  name: 'meshscope_red_1h_mv',
  to: Tables.red1h,
  from: Tables.red1m,
  select: `SELECT
    toStartOfHour(Minute) AS Hour, ServiceName, SpanName, SpanKind, FromAgent,
    sum(Requests) AS Requests, sum(Errors) AS Errors, sum(Http4xx) AS Http4xx, sum(Http5xx) AS Http5xx,
    sum(GrpcErrors) AS GrpcErrors, sum(DurationSumNs) AS DurationSumNs, max(DurationMaxNs) AS DurationMaxNs,
    quantileTDigestMergeState(LatencyDigest) AS LatencyDigest,
    sumForEachMergeState(LatencyBuckets) AS LatencyBuckets
FROM {source}
GROUP BY Hour, ServiceName, SpanName, SpanKind, FromAgent`,
};

// ---------------------------------------------------------------------------------------------- edges

const EDGE_DIMENSIONS = [
  /** 'source' | 'destination' (agent request metrics) | 'spans' (CLIENT→SERVER span pairing) */
  'Reporter LowCardinality(String)',
  /** '' for direct calls; 'virtual_node' | 'database' | 'messaging_system' for span-derived edges */
  'ConnectionType LowCardinality(String)',
  'SourceService LowCardinality(String)',
  'SourceWorkload LowCardinality(String)',
  'SourceNamespace LowCardinality(String)',
  'SourceVersion LowCardinality(String)',
  'SourcePrincipal LowCardinality(String)',
  'DestService LowCardinality(String)',
  'DestWorkload LowCardinality(String)',
  'DestNamespace LowCardinality(String)',
  'DestVersion LowCardinality(String)',
  'DestPrincipal LowCardinality(String)',
  /** 'http' | 'grpc' | 'tcp' */
  'Protocol LowCardinality(String)',
  /** 1 when the hop was mutual TLS */
  'Mtls UInt8',
];
const EDGE_KEY =
  'Reporter, ConnectionType, SourceService, SourceWorkload, SourceNamespace, SourceVersion, SourcePrincipal, DestService, DestWorkload, DestNamespace, DestVersion, DestPrincipal, Protocol, Mtls';

/**
 * Edge rows are inserted here by the collector (from agent request metrics and span pairing); the Null
 * engine keeps nothing, its materialized view turns each block into aggregate states.
 */
export function edgeInputTable(): TableSpec {
  return {
    name: Tables.edgeInput,
    columns: [
      "Minute DateTime('UTC')",
      ...EDGE_DIMENSIONS,
      'Requests UInt64',
      'Http4xx UInt64',
      'Http5xx UInt64',
      'GrpcErrors UInt64',
      /** requests that got no response at all (response_code 0: reset, timeout before headers) */
      'NoResponse UInt64',
      'DurationSumMs Float64',
      /** cumulative ("le") counts on LATENCY_BOUNDS_MS plus +Inf */
      'LatencyBucketsLe Array(UInt64)',
      /** latency sample values (ms) and weights for the t-digest: exact durations, or bucket midpoints */
      'LatencyValuesMs Array(Float64)',
      'LatencyWeights Array(UInt64)',
    ],
    engine: 'Null',
    shardingKey: 'rand()',
  };
}

function edgesTable(ctx: SchemaContext, name: string, bucket: 'Minute' | 'Hour'): TableSpec {
  const family = bucket === 'Minute' ? 'rollupMinuteDays' : 'rollupHourDays';
  return {
    name,
    columns: [
      `${bucket} DateTime('UTC')`,
      ...EDGE_DIMENSIONS,
      'Requests SimpleAggregateFunction(sum, UInt64)',
      'Http4xx SimpleAggregateFunction(sum, UInt64)',
      'Http5xx SimpleAggregateFunction(sum, UInt64)',
      'GrpcErrors SimpleAggregateFunction(sum, UInt64)',
      'NoResponse SimpleAggregateFunction(sum, UInt64)',
      'DurationSumMs SimpleAggregateFunction(sum, Float64)',
      'LatencyDigest AggregateFunction(quantileTDigestWeighted, Float64, UInt64)',
      'LatencyBuckets AggregateFunction(sumForEach, Array(UInt64))',
    ],
    engine: 'AggregatingMergeTree',
    partitionBy: `toDate(${bucket})`,
    orderBy: `(${bucket}, ${EDGE_KEY})`,
    ttl: `${bucket} + toIntervalDay(${days(ctx, family)})`,
    settings: ['ttl_only_drop_parts = 1'],
    shardingKey: 'rand()',
  };
}

export const edges1mTable = (ctx: SchemaContext): TableSpec => edgesTable(ctx, Tables.edges1m, 'Minute');
export const edges1hTable = (ctx: SchemaContext): TableSpec => edgesTable(ctx, Tables.edges1h, 'Hour');

export const edges1mView: ViewSpec = {
  name: 'meshscope_edges_1m_mv',
  to: Tables.edges1m,
  from: Tables.edgeInput,
  select: `SELECT Minute, ${EDGE_KEY},
    sum(Requests) AS Requests, sum(Http4xx) AS Http4xx, sum(Http5xx) AS Http5xx, sum(GrpcErrors) AS GrpcErrors,
    sum(NoResponse) AS NoResponse, sum(DurationSumMs) AS DurationSumMs,
    quantileTDigestWeightedArrayState(LatencyValuesMs, LatencyWeights) AS LatencyDigest,
    sumForEachState(LatencyBucketsLe) AS LatencyBuckets
FROM {source}
GROUP BY Minute, ${EDGE_KEY}`,
};

export const edges1hView: ViewSpec = {
  name: 'meshscope_edges_1h_mv',
  to: Tables.edges1h,
  from: Tables.edges1m,
  select: `SELECT toStartOfHour(Minute) AS Hour, ${EDGE_KEY},
    sum(Requests) AS Requests, sum(Http4xx) AS Http4xx, sum(Http5xx) AS Http5xx, sum(GrpcErrors) AS GrpcErrors,
    sum(NoResponse) AS NoResponse, sum(DurationSumMs) AS DurationSumMs,
    quantileTDigestWeightedMergeState(LatencyDigest) AS LatencyDigest,
    sumForEachMergeState(LatencyBuckets) AS LatencyBuckets
FROM {source}
GROUP BY Hour, ${EDGE_KEY}`,
};
