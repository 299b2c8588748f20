import { z } from 'zod';

const port = z.number().int().min(0).max(65535);
const MiB = 1024 * 1024;

export const collectorConfigSchema = z
  .object({
    /** Interface the OTLP receivers listen on. 127.0.0.1 by default; 0.0.0.0 in containers. */
    host: z.string().min(1).default('127.0.0.1'),
    httpPort: port.default(4318),
    grpcPort: port.default(4317),
    /** Largest request body accepted, as sent (compressed). */
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .default(16 * MiB),
    /** Largest request body after decompression (gzip bombs stop here). */
    maxDecompressedBytes: z
      .number()
      .int()
      .positive()
      .default(64 * MiB),
    batch: z
      .object({
        /** Insert when this many rows are queued… */
        maxRows: z.number().int().min(1).default(10_000),
        /** …or this long after the first one arrived. */
        flushIntervalMs: z.number().int().min(1).max(60_000).default(1_000),
        /** Beyond this many queued rows, senders get 503 + Retry-After. */
        maxQueueRows: z.number().int().min(1).default(200_000),
        retryAfterSec: z.number().int().min(1).max(300).default(5),
      })
      .strict()
      .prefault({}),
    spool: z
      .object({
        /** Where batches wait while ClickHouse is unreachable. */
        dir: z.string().min(1).default('./data/spool'),
        maxBytes: z
          .number()
          .int()
          .positive()
          .default(1024 * MiB),
      })
      .strict()
      .prefault({}),
    /** Series remembered to turn cumulative metrics into deltas (least recently seen are forgotten). */
    maxCumulativeSeries: z.number().int().min(1).default(100_000),
  })
  .strict();

export type CollectorConfig = z.infer<typeof collectorConfigSchema>;
