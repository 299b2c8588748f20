import type {
  AttributeMap,
  MetricGaugeRow,
  MetricHistogramRow,
  MetricRowBase,
  MetricSumRow,
} from '../storage/rows.js';

/** AggregationTemporality values (OTLP metrics/v1). */
export const DELTA = 1;
export const CUMULATIVE = 2;

export const AGGREGATION_TEMPORALITY_ENUM: Readonly<Record<string, number>> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: DELTA,
  AGGREGATION_TEMPORALITY_CUMULATIVE: CUMULATIVE,
};

/** Everything a data point inherits from its resource, scope and metric. */
export interface MetricContext {
  resource: AttributeMap;
  resourceSchemaUrl: string;
  serviceName: string;
  scopeName: string;
  scopeVersion: string;
  scopeAttributes: AttributeMap;
  scopeDroppedAttrCount: number;
  scopeSchemaUrl: string;
  metricName: string;
  description: string;
  unit: string;
}

export interface Exemplars {
  filteredAttributes: AttributeMap[];
  timesNs: string[];
  values: number[];
  spanIds: string[];
  traceIds: string[];
}

export function newExemplars(): Exemplars {
  return { filteredAttributes: [], timesNs: [], values: [], spanIds: [], traceIds: [] };
}

/** The fields every kind of data point has. */
export interface PointCommon {
  attributes: AttributeMap;
  startNs: bigint;
  timeNs: bigint;
  flags: number;
  exemplars: Exemplars;
}

export interface HistogramValues {
  count: number;
  sum: number;
  bucketCounts: number[];
  explicitBounds: number[];
  /** 0 when absent, as the exporter writes it. */
  min: number;
  max: number;
}

function baseRow(context: MetricContext, point: PointCommon): MetricRowBase {
  return {
    ResourceAttributes: context.resource,
    ResourceSchemaUrl: context.resourceSchemaUrl,
    ScopeName: context.scopeName,
    ScopeVersion: context.scopeVersion,
    ScopeAttributes: context.scopeAttributes,
    ScopeDroppedAttrCount: context.scopeDroppedAttrCount,
    ScopeSchemaUrl: context.scopeSchemaUrl,
    ServiceName: context.serviceName,
    MetricName: context.metricName,
    MetricDescription: context.description,
    MetricUnit: context.unit,
    Attributes: point.attributes,
    StartTimeUnix: point.startNs.toString(),
    TimeUnix: point.timeNs.toString(),
    Flags: point.flags,
    'Exemplars.FilteredAttributes': point.exemplars.filteredAttributes,
    'Exemplars.TimeUnix': point.exemplars.timesNs,
    'Exemplars.Value': point.exemplars.values,
    'Exemplars.SpanId': point.exemplars.spanIds,
    'Exemplars.TraceId': point.exemplars.traceIds,
  };
}

export function gaugeRow(context: MetricContext, point: PointCommon, value: number): MetricGaugeRow {
  return { ...baseRow(context, point), Value: value };
}

export function sumRow(
  context: MetricContext,
  point: PointCommon,
  value: number,
  temporality: number,
  isMonotonic: boolean,
): MetricSumRow {
  return {
    ...baseRow(context, point),
    Value: value,
    AggregationTemporality: temporality,
    IsMonotonic: isMonotonic,
  };
}

export function histogramRow(
  context: MetricContext,
  point: PointCommon,
  values: HistogramValues,
  temporality: number,
): MetricHistogramRow {
  return {
    ...baseRow(context, point),
    Count: values.count,
    Sum: values.sum,
    BucketCounts: values.bucketCounts,
    ExplicitBounds: values.explicitBounds,
    Min: values.min,
    Max: values.max,
    AggregationTemporality: temporality,
  };
}

/** Problems that make any data point unstorable; '' when none. */
export function pointProblem(point: PointCommon): string {
  return point.timeNs === 0n ? 'time_unix_nano is 0' : '';
}

/** A point flagged NO_RECORDED_VALUE (flags bit 0) may carry no value; any other point must. */
export function numberValueProblem(value: number | undefined, flags: number): string {
  return value === undefined && (flags & 1) === 0 ? 'it has neither as_double nor as_int' : '';
}

export function temporalityProblem(temporality: number): string {
  if (temporality === DELTA || temporality === CUMULATIVE) return '';
  return temporality === 0
    ? 'aggregation_temporality is unspecified'
    : `aggregation_temporality ${temporality} is unknown`;
}

export function histogramProblem(values: HistogramValues): string {
  const buckets = values.bucketCounts.length;
  const bounds = values.explicitBounds.length;
  if (buckets === 0) return '';
  if (buckets !== bounds + 1) {
    return `${buckets} bucket_counts for ${bounds} explicit_bounds (expected ${bounds + 1})`;
  }
  let total = 0;
  for (const c of values.bucketCounts) total += c;
  if (total !== values.count) return `bucket_counts add up to ${total} but count is ${values.count}`;
  return '';
}

export function describeMetric(name: string): string {
  return `metric '${name}'`;
}

export const UNSUPPORTED = {
  exponentialHistogram:
    'exponential histograms are not stored; configure the SDK to export explicit-bucket histograms',
  summary: 'summaries are not stored; export histograms instead',
} as const;
