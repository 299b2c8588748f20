import { edgeRowsFromHistograms } from '../rollups/edges.js';
import { Tables } from '../storage/schema/tables.js';
import type { MetricRows, SpanRow } from '../storage/rows.js';
import type { BatchingWriter } from '../writer/batching-writer.js';
import type { TableRows } from '../writer/insert.js';
import type { IngestSink } from './sink.js';

/**
 * The collector's sink: spans to otel_traces; metric points to the otel_metrics_* tables, and agents'
 * request histograms additionally to the edge rollups, in the same acknowledged batch.
 */
export class StorageSink implements IngestSink {
  constructor(private readonly writer: BatchingWriter) {}

  writeSpans(rows: SpanRow[]): Promise<void> {
    return this.writer.write([{ table: Tables.traces, rows }]);
  }

  writeMetrics(rows: MetricRows): Promise<void> {
    const batches: TableRows[] = [
      { table: Tables.metricsSum, rows: rows.sums },
      { table: Tables.metricsGauge, rows: rows.gauges },
      { table: Tables.metricsHistogram, rows: rows.histograms },
      { table: Tables.edgeInput, rows: edgeRowsFromHistograms(rows.histograms) },
    ];
    return this.writer.write(batches.filter((b) => b.rows.length > 0));
  }
}
