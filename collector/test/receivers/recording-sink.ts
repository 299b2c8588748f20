import type { IngestSink } from '../../src/ingest/sink.js';
import type { MetricRows, SpanRow } from '../../src/storage/rows.js';

/** An IngestSink that keeps what it is given, or refuses with `failWith` while it is set. */
export class RecordingSink implements IngestSink {
  readonly spans: SpanRow[] = [];
  readonly metrics: MetricRows[] = [];
  failWith: Error | undefined;

  writeSpans(rows: SpanRow[]): Promise<void> {
    if (this.failWith) return Promise.reject(this.failWith);
    this.spans.push(...rows);
    return Promise.resolve();
  }

  writeMetrics(rows: MetricRows): Promise<void> {
    if (this.failWith) return Promise.reject(this.failWith);
    this.metrics.push(rows);
    return Promise.resolve();
  }
}
