import type { MetricRows, SpanRow } from '../storage/rows.js';

/**
 * Where decoded telemetry goes. A resolved promise is an acknowledgement: the rows are in ClickHouse or in
 * the on-disk spool, and survive a collector restart. Receivers answer 200 only after it resolves.
 */
export interface IngestSink {
  writeSpans(rows: SpanRow[]): Promise<void>;
  writeMetrics(rows: MetricRows): Promise<void>;
}

/**
 * The sink cannot take more right now (queue full, or store down and spool full). Receivers map it to
 * HTTP 503 (queue/store) or 429, with `Retry-After: retryAfterSec`, and gRPC UNAVAILABLE.
 */
export class IngestUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterSec: number,
    readonly reason: 'queue_full' | 'store_unavailable' | 'shutting_down',
  ) {
    super(message);
    this.name = 'IngestUnavailableError';
  }
}
