import type { AttributeMap, MetricRows } from '../../storage/rows.js';
import type { DecodedMetrics } from '../decoded.js';
import {
  UNSUPPORTED,
  describeMetric,
  gaugeRow,
  histogramProblem,
  histogramRow,
  newExemplars,
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
import { ProtoWalker, decodeProto } from './walker.js';

/**
 * ExportMetricsServiceRequest (protobuf) → metric rows (Sum, Gauge, Histogram). Exponential histograms and
 * summaries are counted and refused through partial_success. Temporality is left as sent; the receiver
 * turns cumulative series into deltas afterwards (delta.ts), for protobuf and JSON alike.
 */
export function decodeMetricsRequest(body: Buffer): DecodedMetrics {
  return decodeProto('ExportMetricsServiceRequest', () => new MetricsDecoder(body).decode());
}

type ScopeContext = Omit<MetricContext, 'metricName' | 'description' | 'unit'>;

interface NumberPoint extends PointCommon {
  /** undefined when the point carries neither as_double nor as_int */
  value: number | undefined;
}

class MetricsDecoder extends ProtoWalker {
  private readonly rows: MetricRows = { sums: [], gauges: [], histograms: [] };
  private readonly rejections = new Rejections();
  private received = 0;
  private unsupportedPoints = 0;

  decode(): DecodedMetrics {
    const r = this.r;
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 10) this.resourceMetrics();
      else this.skip(tag);
    }
    return {
      rows: this.rows,
      receivedPoints: this.received,
      rejectedPoints: this.rejections.count,
      unsupportedPoints: this.unsupportedPoints,
      errorMessage: this.rejections.message('data point'),
    };
  }

  /** Pass 1 reads the resource and its schema_url wherever they are; pass 2 the scope_metrics. */
  private resourceMetrics(): void {
    const r = this.r;
    const outer = this.enter();
    const start = r.pos;
    let resource: AttributeMap = {};
    let schemaUrl = '';
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 10) resource = this.resource();
      else if (tag === 26) schemaUrl = r.string();
      else this.skip(tag);
    }
    r.pos = start;
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 18) this.scopeMetrics(resource, schemaUrl);
      else this.skip(tag);
    }
    this.leave(outer);
  }

  private scopeMetrics(resource: AttributeMap, resourceSchemaUrl: string): void {
    const r = this.r;
    const outer = this.enter();
    const start = r.pos;
    const context: ScopeContext = {
      resource,
      resourceSchemaUrl,
      serviceName: resource['service.name'] ?? '',
      scopeName: '',
      scopeVersion: '',
      scopeAttributes: {},
      scopeDroppedAttrCount: 0,
      scopeSchemaUrl: '',
    };
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 10) {
        const scope = this.scope();
        context.scopeName = scope.name;
        context.scopeVersion = scope.version;
        context.scopeAttributes = scope.attributes;
        context.scopeDroppedAttrCount = scope.droppedAttributes;
      } else if (tag === 26) {
        context.scopeSchemaUrl = r.string();
      } else {
        this.skip(tag);
      }
    }
    r.pos = start;
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 18) this.metric(context);
      else this.skip(tag);
    }
    this.leave(outer);
  }

  private metric(scope: ScopeContext): void {
    const r = this.r;
    const outer = this.enter();
    const start = r.pos;
    const context: MetricContext = { ...scope, metricName: '', description: '', unit: '' };
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 10) context.metricName = r.string();
      else if (tag === 18) context.description = r.string();
      else if (tag === 26) context.unit = r.string();
      else this.skip(tag);
    }
    r.pos = start;
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag) {
        case 42:
          this.gauge(context);
          break;
        case 58:
          this.sum(context);
          break;
        case 74:
          this.histogram(context);
          break;
        case 82:
          this.unsupported(context, UNSUPPORTED.exponentialHistogram);
          break;
        case 90:
          this.unsupported(context, UNSUPPORTED.summary);
          break;
        default:
          this.skip(tag);
      }
    }
    this.leave(outer);
  }

  /** Counts a point and returns false (after recording why) when it cannot be stored. */
  private accept(context: MetricContext, ...problems: string[]): boolean {
    this.received++;
    const problem = context.metricName === '' ? 'metric name is empty' : problems.find((p) => p !== '');
    if (!problem) return true;
    this.rejections.reject(`${describeMetric(context.metricName)} data point: ${problem}`);
    return false;
  }

  private gauge(context: MetricContext): void {
    const r = this.r;
    const outer = this.enter();
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag !== 10) {
        this.skip(tag);
        continue;
      }
      const point = this.numberPoint();
      if (this.accept(context, pointProblem(point), numberValueProblem(point.value, point.flags))) {
        this.rows.gauges.push(gaugeRow(context, point, point.value ?? 0));
      }
    }
    this.leave(outer);
  }

  private sum(context: MetricContext): void {
    const r = this.r;
    const outer = this.enter();
    const start = r.pos;
    let temporality = 0;
    let isMonotonic = false;
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 16) temporality = r.int32();
      else if (tag === 24) isMonotonic = r.bool();
      else this.skip(tag);
    }
    r.pos = start;
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag !== 10) {
        this.skip(tag);
        continue;
      }
      const point = this.numberPoint();
      if (
        this.accept(
          context,
          temporalityProblem(temporality),
          pointProblem(point),
          numberValueProblem(point.value, point.flags),
        )
      ) {
        this.rows.sums.push(sumRow(context, point, point.value ?? 0, temporality, isMonotonic));
      }
    }
    this.leave(outer);
  }

  private histogram(context: MetricContext): void {
    const r = this.r;
    const outer = this.enter();
    const start = r.pos;
    let temporality = 0;
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 16) temporality = r.int32();
      else this.skip(tag);
    }
    r.pos = start;
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag !== 10) {
        this.skip(tag);
        continue;
      }
      const [point, values] = this.histogramPoint();
      if (
        this.accept(context, temporalityProblem(temporality), pointProblem(point), histogramProblem(values))
      ) {
        this.rows.histograms.push(histogramRow(context, point, values, temporality));
      }
    }
    this.leave(outer);
  }

  /** Exponential histograms and summaries: every data point (field 1) is counted as refused. */
  private unsupported(context: MetricContext, why: string): void {
    const r = this.r;
    const outer = this.enter();
    let points = 0;
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 10) points++;
      this.skip(tag);
    }
    this.leave(outer);
    this.received += points;
    this.unsupportedPoints += points;
    this.rejections.reject(`${describeMetric(context.metricName)}: ${why}`, points);
  }

  private numberPoint(): NumberPoint {
    const r = this.r;
    const outer = this.enter();
    const point: NumberPoint = {
      attributes: {},
      startNs: 0n,
      timeNs: 0n,
      flags: 0,
      exemplars: newExemplars(),
      value: undefined,
    };
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag) {
        case 58:
          this.keyValue(point.attributes);
          break;
        case 17:
          point.startNs = this.fixed64();
          break;
        case 25:
          point.timeNs = this.fixed64();
          break;
        case 33:
          point.value = r.double();
          break;
        case 49:
          point.value = this.sfixed64Number();
          break;
        case 42:
          this.exemplar(point.exemplars);
          break;
        case 64:
          point.flags = r.uint32();
          break;
        default:
          this.skip(tag);
      }
    }
    this.leave(outer);
    return point;
  }

  private histogramPoint(): [PointCommon, HistogramValues] {
    const r = this.r;
    const outer = this.enter();
    const point: PointCommon = {
      attributes: {},
      startNs: 0n,
      timeNs: 0n,
      flags: 0,
      exemplars: newExemplars(),
    };
    const values: HistogramValues = {
      count: 0,
      sum: 0,
      bucketCounts: [],
      explicitBounds: [],
      min: 0,
      max: 0,
    };
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag) {
        case 74:
          this.keyValue(point.attributes);
          break;
        case 17:
          point.startNs = this.fixed64();
          break;
        case 25:
          point.timeNs = this.fixed64();
          break;
        case 33:
          values.count = this.fixed64Number();
          break;
        case 41:
          values.sum = r.double();
          break;
        case 50:
          this.packed(values.bucketCounts, () => this.fixed64Number());
          break;
        case 49:
          values.bucketCounts.push(this.fixed64Number());
          break;
        case 58:
          this.packed(values.explicitBounds, () => r.double());
          break;
        case 57:
          values.explicitBounds.push(r.double());
          break;
        case 66:
          this.exemplar(point.exemplars);
          break;
        case 80:
          point.flags = r.uint32();
          break;
        case 89:
          values.min = r.double();
          break;
        case 97:
          values.max = r.double();
          break;
        default:
          this.skip(tag);
      }
    }
    this.leave(outer);
    return [point, values];
  }

  private packed(into: number[], read: () => number): void {
    const outer = this.enter();
    while (this.r.pos < this.r.len) into.push(read());
    this.leave(outer);
  }

  private exemplar(into: Exemplars): void {
    const r = this.r;
    const outer = this.enter();
    const attributes: AttributeMap = {};
    let timeNs = 0n;
    let value = 0;
    let spanId = '';
    let traceId = '';
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag) {
        case 58:
          this.keyValue(attributes);
          break;
        case 17:
          timeNs = this.fixed64();
          break;
        case 25:
          value = r.double();
          break;
        case 49:
          value = this.sfixed64Number();
          break;
        case 34:
          spanId = this.hex();
          break;
        case 42:
          traceId = this.hex();
          break;
        default:
          this.skip(tag);
      }
    }
    this.leave(outer);
    into.filteredAttributes.push(attributes);
    into.timesNs.push(timeNs.toString());
    into.values.push(value);
    into.spanIds.push(spanId);
    into.traceIds.push(traceId);
  }
}
