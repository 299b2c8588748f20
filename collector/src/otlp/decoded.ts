import type { MetricRows, SpanRow } from '../storage/rows.js';

/** A decoded ExportTraceServiceRequest: the valid spans as rows, and what was refused. */
export interface DecodedTraces {
  spans: SpanRow[];
  /** Spans refused individually (partial_success.rejected_spans). */
  rejectedSpans: number;
  /** partial_success.error_message; '' when nothing was refused. */
  errorMessage: string;
}

/** A decoded ExportMetricsServiceRequest, before cumulative → delta conversion. */
export interface DecodedMetrics {
  rows: MetricRows;
  /** Every data point seen, stored or not. */
  receivedPoints: number;
  /** Data points refused individually or of an unsupported type (partial_success.rejected_data_points). */
  rejectedPoints: number;
  /** Of rejectedPoints, those of a type meshscope does not store (exponential histogram, summary). */
  unsupportedPoints: number;
  errorMessage: string;
}
