import { z } from 'zod';

/** An identifier we splice into DDL (database, cluster): validated, never taken raw from requests. */
export const identifier = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,63}$/,
    'must be a plain identifier: letters, digits and _, not starting with a digit',
  );

/** Days of retention per table family. Applied as table TTLs at start-up (changed TTLs are altered in place). */
export const retentionSchema = z
  .object({
    /** otel_traces and the trace-id lookup */
    tracesDays: z.number().int().min(1).max(3650).default(7),
    /** otel_metrics_* (raw request metrics from agents and SDKs) */
    metricsDays: z.number().int().min(1).max(3650).default(15),
    /** per-minute rollups and the operations catalog */
    rollupMinuteDays: z.number().int().min(1).max(3650).default(15),
    /** hourly rollups */
    rollupHourDays: z.number().int().min(1).max(3650).default(90),
  })
  .strict();
export type RetentionConfig = z.infer<typeof retentionSchema>;

/** Bounds applied to every read query (ClickHouse settings). */
export const queryLimitsSchema = z
  .object({
    maxExecutionTimeSec: z.number().positive().max(3600).default(20),
    maxMemoryBytes: z
      .number()
      .int()
      .positive()
      .default(2 * 1024 ** 3),
    maxRowsToReturn: z.number().int().positive().default(100_000),
  })
  .strict();
export type QueryLimits = z.infer<typeof queryLimitsSchema>;

export const storageConfigSchema = z
  .object({
    /** ClickHouse server URL (e.g. http://clickhouse:8123). Unset → embedded chDB in `dataDir`. */
    url: z.url().optional(),
    user: z.string().default('default'),
    password: z.string().default(''),
    database: identifier.default('meshscope'),
    /** Cluster name for ON CLUSTER DDL, Replicated engines and Distributed tables (server mode only). */
    cluster: identifier.optional(),
    /** Embedded mode: the chDB data directory. */
    dataDir: z.string().min(1).default('./data/clickhouse'),
    retention: retentionSchema.prefault({}),
    queryLimits: queryLimitsSchema.prefault({}),
  })
  .strict()
  .refine((c) => !(c.cluster && !c.url), {
    message: 'cluster needs a ClickHouse server (url): the embedded engine is a single node',
    path: ['cluster'],
  });
export type StorageConfig = z.infer<typeof storageConfigSchema>;
