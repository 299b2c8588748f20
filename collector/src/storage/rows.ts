/**
 * Row shapes of the tables the collector writes. The span row is exactly the OpenTelemetry Collector
 * contrib `clickhouseexporter` insert layout (22 columns; see docs/adr/0002-storage-schema.md), so rows
 * written by an OpenTelemetry Collector and by meshscope are indistinguishable.
 *
 * Timestamps are unix nanoseconds as decimal strings (DateTime64(9) parses an integer as ticks), so no
 * precision is lost to JavaScript numbers.
 */

/** 'Unspecified' | 'Internal' | 'Server' | 'Client' | 'Producer' | 'Consumer' */
export type SpanKindName = 'Unspecified' | 'Internal' | 'Server' | 'Client' | 'Producer' | 'Consumer';
/** 'Unset' | 'Ok' | 'Error' */
export type StatusCodeName = 'Unset' | 'Ok' | 'Error';

export type AttributeMap = Record<string, string>;

export interface SpanRow {
  /** span start, unix ns as a decimal string */
  Timestamp: string;
  /** 32 lowercase hex */
  TraceId: string;
  /** 16 lowercase hex */
  SpanId: string;
  /** 16 lowercase hex, '' for a root span */
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: SpanKindName;
  ServiceName: string;
  ResourceAttributes: AttributeMap;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: AttributeMap;
  /** end − start in ns */
  Duration: number;
  StatusCode: StatusCodeName;
  StatusMessage: string;
  /** unix ns decimal strings */
  'Events.Timestamp': string[];
  'Events.Name': string[];
  'Events.Attributes': AttributeMap[];
  'Links.TraceId': string[];
  'Links.SpanId': string[];
  'Links.TraceState': string[];
  'Links.Attributes': AttributeMap[];
}

/** The 22 insert columns of otel_traces, in the exporter's order. */
export const SPAN_COLUMNS = [
  'Timestamp',
  'TraceId',
  'SpanId',
  'ParentSpanId',
  'TraceState',
  'SpanName',
  'SpanKind',
  'ServiceName',
  'ResourceAttributes',
  'ScopeName',
  'ScopeVersion',
  'SpanAttributes',
  'Duration',
  'StatusCode',
  'StatusMessage',
  'Events.Timestamp',
  'Events.Name',
  'Events.Attributes',
  'Links.TraceId',
  'Links.SpanId',
  'Links.TraceState',
  'Links.Attributes',
] as const satisfies readonly (keyof SpanRow)[];

/** Columns shared by the metric tables (shaped like the exporter's otel_metrics_*). */
export interface MetricRowBase {
  ResourceAttributes: AttributeMap;
  ResourceSchemaUrl: string;
  ScopeName: string;
  ScopeVersion: string;
  ScopeAttributes: AttributeMap;
  ScopeDroppedAttrCount: number;
  ScopeSchemaUrl: string;
  ServiceName: string;
  MetricName: string;
  MetricDescription: string;
  MetricUnit: string;
  Attributes: AttributeMap;
  /** unix ns decimal string */
  StartTimeUnix: string;
  /** unix ns decimal string */
  TimeUnix: string;
  Flags: number;
  'Exemplars.FilteredAttributes': AttributeMap[];
  /** unix ns decimal strings */
  'Exemplars.TimeUnix': string[];
  'Exemplars.Value': number[];
  'Exemplars.SpanId': string[];
  'Exemplars.TraceId': string[];
}

/** otel_metrics_sum; values are always stored as deltas (cumulative series are converted on ingest). */
export interface MetricSumRow extends MetricRowBase {
  Value: number;
  /** 1 = delta, 2 = cumulative (OTLP AggregationTemporality) */
  AggregationTemporality: number;
  IsMonotonic: boolean;
}

export interface MetricGaugeRow extends MetricRowBase {
  Value: number;
}

/** otel_metrics_histogram; always deltas. */
export interface MetricHistogramRow extends MetricRowBase {
  Count: number;
  Sum: number;
  BucketCounts: number[];
  ExplicitBounds: number[];
  Min: number;
  Max: number;
  AggregationTemporality: number;
}

/** Everything one OTLP metrics request becomes. */
export interface MetricRows {
  sums: MetricSumRow[];
  gauges: MetricGaugeRow[];
  histograms: MetricHistogramRow[];
}
