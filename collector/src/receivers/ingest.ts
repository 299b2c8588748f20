import { IngestUnavailableError, type IngestSink } from '../ingest/sink.js';
import type { CollectorMetrics } from '../observability/metrics.js';
import type { DecodedMetrics, DecodedTraces } from '../otlp/decoded.js';
import type { DeltaConverter } from '../otlp/delta.js';
import { decodeMetricsRequestJson } from '../otlp/json/metrics.js';
import { decodeTraceRequestJson } from '../otlp/json/traces.js';
import { decodeMetricsRequest } from '../otlp/proto/metrics.js';
import { decodeTraceRequest } from '../otlp/proto/traces.js';
import type { BodyFormat, ExportOutcome } from './responses.js';

export type Transport = 'http' | 'grpc';

export interface OtlpIngestDeps {
  sink: IngestSink;
  metrics: CollectorMetrics;
  delta: DeltaConverter;
}

/**
 * What both receivers do with an export request once its bytes are in hand: decode, count, convert
 * cumulative metrics to deltas, hand the rows to the sink, and say what was refused. Throws DecodeError
 * (malformed request), IngestUnavailableError (sink refused: retry later) or the sink's own error.
 */
export class OtlpIngest {
  constructor(private readonly deps: OtlpIngestDeps) {}

  async traces(body: Buffer, format: BodyFormat, transport: Transport): Promise<ExportOutcome> {
    const { metrics, sink } = this.deps;
    const decoded: DecodedTraces =
      format === 'json' ? decodeTraceRequestJson(body) : decodeTraceRequest(body);
    metrics.receivedSpans.inc({ transport }, decoded.spans.length + decoded.rejectedSpans);
    if (decoded.rejectedSpans > 0) {
      metrics.rejectedSpans.inc({ transport, reason: 'invalid' }, decoded.rejectedSpans);
    }
    if (decoded.spans.length > 0) {
      try {
        await sink.writeSpans(decoded.spans);
      } catch (err) {
        metrics.rejectedSpans.inc({ transport, reason: refusal(err) }, decoded.spans.length);
        throw err;
      }
    }
    return { rejected: decoded.rejectedSpans, errorMessage: decoded.errorMessage };
  }

  async metrics(body: Buffer, format: BodyFormat, transport: Transport): Promise<ExportOutcome> {
    const { metrics, sink, delta } = this.deps;
    const decoded: DecodedMetrics =
      format === 'json' ? decodeMetricsRequestJson(body) : decodeMetricsRequest(body);
    metrics.receivedMetricPoints.inc({ transport }, decoded.receivedPoints);
    const invalid = decoded.rejectedPoints - decoded.unsupportedPoints;
    if (invalid > 0) metrics.rejectedMetricPoints.inc({ transport, reason: 'invalid' }, invalid);
    if (decoded.unsupportedPoints > 0) {
      metrics.rejectedMetricPoints.inc({ transport, reason: 'unsupported' }, decoded.unsupportedPoints);
    }
    const converted = delta.convert(decoded.rows);
    if (converted.dropped > 0) {
      metrics.rejectedMetricPoints.inc({ transport, reason: 'out_of_order' }, converted.dropped);
    }
    const { sums, gauges, histograms } = converted.rows;
    const count = sums.length + gauges.length + histograms.length;
    if (count > 0) {
      try {
        await sink.writeMetrics(converted.rows);
      } catch (err) {
        // The sender will retry these points: the series must look as if they never arrived.
        converted.rollback();
        metrics.rejectedMetricPoints.inc({ transport, reason: refusal(err) }, count);
        throw err;
      }
    }
    return { rejected: decoded.rejectedPoints, errorMessage: decoded.errorMessage };
  }
}

function refusal(err: unknown): string {
  return err instanceof IngestUnavailableError ? err.reason : 'store_error';
}
