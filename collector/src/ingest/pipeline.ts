import type { Logger } from 'pino';
import type { CollectorConfig } from '../config.js';
import { createCollectorMetrics, type CollectorMetrics } from '../observability/metrics.js';
import { SpanPairingJob } from '../rollups/span-pairing.js';
import { Spool } from '../spool/spool.js';
import type { StorageClient } from '../storage/client.js';
import { BatchingWriter } from '../writer/batching-writer.js';
import { StorageSink } from './storage-sink.js';
import type { IngestSink } from './sink.js';

export interface IngestPipeline {
  readonly sink: IngestSink;
  readonly writer: BatchingWriter;
  readonly metrics: CollectorMetrics;
  /** Flushes queued rows (to ClickHouse or the spool) and stops background jobs. */
  close(): Promise<void>;
}

export interface PipelineOptions {
  /** Pair CLIENT/SERVER spans of SDK services into edges (default true). */
  spanPairing?: boolean;
}

/** Everything between the receivers and ClickHouse: writer, spool, sink, span pairing. */
export async function startIngestPipeline(
  config: CollectorConfig,
  storage: StorageClient,
  log: Logger,
  options: PipelineOptions = {},
): Promise<IngestPipeline> {
  const metrics = createCollectorMetrics();
  const spool = await Spool.open(config.spool.dir, config.spool.maxBytes);
  if (!spool.isEmpty()) {
    log.info(
      { segments: spool.pendingSegments, bytes: spool.bytes },
      'spool holds batches from before: replaying',
    );
  }
  const writer = new BatchingWriter(
    storage,
    spool,
    {
      maxBatchRows: config.batch.maxRows,
      flushIntervalMs: config.batch.flushIntervalMs,
      maxQueueRows: config.batch.maxQueueRows,
      retryAfterSec: config.batch.retryAfterSec,
    },
    metrics,
    log,
  );
  const pairing =
    options.spanPairing === false
      ? undefined
      : new SpanPairingJob(storage, { lagSec: 30, skewSec: 60, intervalMs: 15_000, catchUpSec: 600 }, log);
  pairing?.start();
  return {
    sink: new StorageSink(writer),
    writer,
    metrics,
    close: async () => {
      await pairing?.stop();
      await writer.close();
    },
  };
}
