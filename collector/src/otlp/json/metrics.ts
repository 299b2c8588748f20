import type { MetricRows } from '../../storage/rows.js';
import type { DecodedMetrics } from '../decoded.js';
import {
  AGGREGATION_TEMPORALITY_ENUM,
  UNSUPPORTED,
  describeMetric,
  gaugeRow,
  histogramProblem,
  histogramRow,
  numberValueProblem,
  pointProblem,
  sumRow,
  temporalityProblem,
  type Exemplars,
  type HistogramValues,
  type MetricContext,
  type PointCommon,
} from '../points.js';
import { Rejections } from '../rejections.js';
import {
  asArray,
  asBool,
  asDouble,
  asEnum,
  asHexId,
  asInt64Number,
  asObject,
  asString,
  asUint32,
  asUint64,
  attributes,
  field,
  parseJsonBody,
  resourceAttributes,
  scope,
  type JsonObject,
} from './values.js';

/** ExportMetricsServiceRequest in OTLP/JSON → the same rows the protobuf decoder produces. */
export function decodeMetricsRequestJson(body: Buffer | string): DecodedMetrics {
  return new JsonMetricsDecoder().decode(asObject(parseJsonBody(body), 'request'));
}

class JsonMetricsDecoder {
  private readonly rows: MetricRows = { sums: [], gauges: [], histograms: [] };
  private readonly rejections = new Rejections();
  private received = 0;
  private unsupportedPoints = 0;

  decode(request: JsonObject): DecodedMetrics {
    const list = field(request, 'resourceMetrics', 'resource_metrics');
    asArray(list, 'resourceMetrics').forEach((rm, i) => this.resourceMetrics(rm, `resourceMetrics[${i}]`));
    return {
      rows: this.rows,
      receivedPoints: this.received,
      rejectedPoints: this.rejections.count,
      unsupportedPoints: this.unsupportedPoints,
      errorMessage: this.rejections.message('data point'),
    };
  }

  private resourceMetrics(value: unknown, path: string): void {
    const obj = asObject(value, path);
    const resource = resourceAttributes(obj['resource'], `${path}.resource`);
    const resourceSchemaUrl = asString(field(obj, 'schemaUrl', 'schema_url'), `${path}.schemaUrl`);
    asArray(field(obj, 'scopeMetrics', 'scope_metrics'), `${path}.scopeMetrics`).forEach((sm, j) => {
      const smPath = `${path}.scopeMetrics[${j}]`;
      const scopeMetrics = asObject(sm, smPath);
      const s = scope(scopeMetrics['scope'], `${smPath}.scope`);
      const base = {
        resource,
        resourceSchemaUrl,
        serviceName: resource['service.name'] ?? '',
        scopeName: s.name,
        scopeVersion: s.version,
        scopeAttributes: s.attributes,
        scopeDroppedAttrCount: s.droppedAttributes,
        scopeSchemaUrl: asString(field(scopeMetrics, 'schemaUrl', 'schema_url'), `${smPath}.schemaUrl`),
      };
      asArray(scopeMetrics['metrics'], `${smPath}.metrics`).forEach((m, k) => {
        const mPath = `${smPath}.metrics[${k}]`;
        const metric = asObject(m, mPath);
        const context: MetricContext = {
          ...base,
          metricName: asString(metric['name'], `${mPath}.name`),
          description: asString(metric['description'], `${mPath}.description`),
          unit: asString(metric['unit'], `${mPath}.unit`),
        };
        this.metric(metric, context, mPath);
      });
    });
  }

  private metric(metric: JsonObject, context: MetricContext, path: string): void {
    const gauge = metric['gauge'];
    const sum = metric['sum'];
    const histogram = metric['histogram'];
    const exponential = field(metric, 'exponentialHistogram', 'exponential_histogram');
    const summary = metric['summary'];
    if (gauge != null) this.gauge(asObject(gauge, `${path}.gauge`), context, `${path}.gauge`);
    else if (sum != null) this.sum(asObject(sum, `${path}.sum`), context, `${path}.sum`);
    else if (histogram != null)
      this.histogram(asObject(histogram, `${path}.histogram`), context, `${path}.histogram`);
    else if (exponential != null)
      this.unsupported(exponential, context, UNSUPPORTED.exponentialHistogram, path);
    else if (summary != null) this.unsupported(summary, context, UNSUPPORTED.summary, path);
  }

  private accept(context: MetricContext, ...problems: string[]): boolean {
    this.received++;
    const problem = context.metricName === '' ? 'metric name is empty' : problems.find((p) => p !== '');
    if (!problem) return true;
    this.rejections.reject(`${describeMetric(context.metricName)} data point: ${problem}`);
    return false;
  }

  private gauge(gauge: JsonObject, context: MetricContext, path: string): void {
    dataPoints(gauge, path).forEach((dp, i) => {
      const [point, value] = numberPoint(dp, `${path}.dataPoints[${i}]`);
      if (this.accept(context, pointProblem(point), numberValueProblem(value, point.flags))) {
        this.rows.gauges.push(gaugeRow(context, point, value ?? 0));
      }
    });
  }

  private sum(sum: JsonObject, context: MetricContext, path: string): void {
    const temporality = aggregationTemporality(sum, path);
    const isMonotonic = asBool(field(sum, 'isMonotonic', 'is_monotonic'), `${path}.isMonotonic`);
    dataPoints(sum, path).forEach((dp, i) => {
      const [point, value] = numberPoint(dp, `${path}.dataPoints[${i}]`);
      const problems = [
        temporalityProblem(temporality),
        pointProblem(point),
        numberValueProblem(value, point.flags),
      ];
      if (this.accept(context, ...problems)) {
        this.rows.sums.push(sumRow(context, point, value ?? 0, temporality, isMonotonic));
      }
    });
  }

  private histogram(histogram: JsonObject, context: MetricContext, path: string): void {
    const temporality = aggregationTemporality(histogram, path);
    dataPoints(histogram, path).forEach((dp, i) => {
      const [point, values] = histogramPoint(dp, `${path}.dataPoints[${i}]`);
      if (
        this.accept(context, temporalityProblem(temporality), pointProblem(point), histogramProblem(values))
      ) {
        this.rows.histograms.push(histogramRow(context, point, values, temporality));
      }
    });
  }

  private unsupported(value: unknown, context: MetricContext, why: string, path: string): void {
    const points = dataPoints(asObject(value, path), path).length;
    this.received += points;
    this.unsupportedPoints += points;
    this.rejections.reject(`${describeMetric(context.metricName)}: ${why}`, points);
  }
}

function dataPoints(obj: JsonObject, path: string): readonly unknown[] {
  return asArray(field(obj, 'dataPoints', 'data_points'), `${path}.dataPoints`);
}

function aggregationTemporality(obj: JsonObject, path: string): number {
  const value = field(obj, 'aggregationTemporality', 'aggregation_temporality');
  return asEnum(value, AGGREGATION_TEMPORALITY_ENUM, `${path}.aggregationTemporality`);
}

function common(obj: JsonObject, path: string): PointCommon {
  return {
    attributes: attributes(obj['attributes'], `${path}.attributes`),
    startNs: asUint64(field(obj, 'startTimeUnixNano', 'start_time_unix_nano'), `${path}.startTimeUnixNano`),
    timeNs: asUint64(field(obj, 'timeUnixNano', 'time_unix_nano'), `${path}.timeUnixNano`),
    flags: asUint32(obj['flags'], `${path}.flags`),
    exemplars: exemplars(obj['exemplars'], `${path}.exemplars`),
  };
}

/** The value oneof: as_double or as_int, undefined when neither is present. */
function pointValue(obj: JsonObject, path: string): number | undefined {
  const asDoubleValue = field(obj, 'asDouble', 'as_double');
  if (asDoubleValue != null) return asDouble(asDoubleValue, `${path}.asDouble`);
  const asIntValue = field(obj, 'asInt', 'as_int');
  if (asIntValue != null) return asInt64Number(asIntValue, `${path}.asInt`);
  return undefined;
}

function numberPoint(value: unknown, path: string): [PointCommon, number | undefined] {
  const obj = asObject(value, path);
  return [common(obj, path), pointValue(obj, path)];
}

function histogramPoint(value: unknown, path: string): [PointCommon, HistogramValues] {
  const obj = asObject(value, path);
  const buckets = asArray(field(obj, 'bucketCounts', 'bucket_counts'), `${path}.bucketCounts`);
  const bounds = asArray(field(obj, 'explicitBounds', 'explicit_bounds'), `${path}.explicitBounds`);
  return [
    common(obj, path),
    {
      count: asInt64Number(obj['count'], `${path}.count`),
      sum: asDouble(obj['sum'], `${path}.sum`),
      bucketCounts: buckets.map((c, i) => asInt64Number(c, `${path}.bucketCounts[${i}]`)),
      explicitBounds: bounds.map((b, i) => asDouble(b, `${path}.explicitBounds[${i}]`)),
      min: asDouble(obj['min'], `${path}.min`),
      max: asDouble(obj['max'], `${path}.max`),
    },
  ];
}

function exemplars(value: unknown, path: string): Exemplars {
  const out: Exemplars = { filteredAttributes: [], timesNs: [], values: [], spanIds: [], traceIds: [] };
  asArray(value, path).forEach((e, i) => {
    const at = `${path}[${i}]`;
    const obj = asObject(e, at);
    const rawSpan = field(obj, 'spanId', 'span_id');
    const rawTrace = field(obj, 'traceId', 'trace_id');
    out.filteredAttributes.push(
      attributes(field(obj, 'filteredAttributes', 'filtered_attributes'), `${at}.filteredAttributes`),
    );
    out.timesNs.push(asUint64(field(obj, 'timeUnixNano', 'time_unix_nano'), `${at}.timeUnixNano`).toString());
    out.values.push(pointValue(obj, at) ?? 0);
    out.spanIds.push(asHexId(rawSpan, `${at}.spanId`) ?? asString(rawSpan, `${at}.spanId`));
    out.traceIds.push(asHexId(rawTrace, `${at}.traceId`) ?? asString(rawTrace, `${at}.traceId`));
  });
  return out;
}
