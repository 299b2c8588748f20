import { z } from 'zod';
import { alertsConfigSchema } from './alerts/config.js';
import { healthConfigSchema } from './health/config.js';

/**
 * Configuration of the query service, parsed once at start (the CLI maps flags, environment and file onto
 * it). Limits bound every request before it reaches ClickHouse, which applies its own execution-time and
 * memory ceilings (the storage configuration's `queryLimits`) on top.
 */

const DAY_SEC = 86_400;

const token = z
  .string()
  .min(16, 'API tokens must be at least 16 characters (use a random value, e.g. openssl rand -hex 24)');

export const queryTokensSchema = z
  .strictObject({
    /** Bearer tokens allowed to read every /api route. */
    read: z.array(token).default([]),
    /** Bearer tokens allowed to read and to write (alert rules, …). */
    admin: z.array(token).default([]),
  })
  .prefault({});
export type QueryTokens = z.infer<typeof queryTokensSchema>;

export const queryServiceLimitsSchema = z
  .strictObject({
    /** Longest time window any request may cover; longer ones are shortened from the start. */
    maxWindowSec: z
      .number()
      .int()
      .min(60)
      .default(7 * DAY_SEC),
    /** Most points in a time series; the step grows to stay under it. */
    maxPoints: z.number().int().min(10).max(10_000).default(1_500),
    /** Most traces one search returns (Jaeger's `limit`). */
    maxSearchTraces: z.number().int().min(1).max(1_000).default(1_000),
    /** Most trace ids in one multi-get (`traceID=…&traceID=…`). */
    maxTraceIds: z.number().int().min(1).max(1_000).default(200),
    /** Most traces in each sample of a latency attribution (slow, baseline). */
    maxAttributionTraces: z.number().int().min(1).max(500).default(200),
    /** How far back idle nodes of the topology are looked for. */
    idleLookbackSec: z.number().int().min(60).default(DAY_SEC),
  })
  .prefault({});
export type QueryServiceLimits = z.infer<typeof queryServiceLimitsSchema>;

export const queryConfigSchema = z
  .strictObject({
    /** Interface to listen on; 127.0.0.1 by default, 0.0.0.0 in containers. */
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(16686),
    /** Optional API tokens; with any configured, every /api route needs `Authorization: Bearer …`. */
    tokens: queryTokensSchema,
    /** Health tolerances in Kiali's configuration shape. */
    health: healthConfigSchema.prefault({}),
    /** Window of mesh requests that give none (`startSec`/`endSec` absent). */
    defaultLookbackSec: z.number().int().min(60).default(3600),
    /** Jaeger search's default `start` when absent: now minus this (Jaeger: 2 days). */
    traceSearchLookbackSec: z
      .number()
      .int()
      .min(60)
      .default(2 * DAY_SEC),
    limits: queryServiceLimitsSchema,
    /** The built UI to serve; absent: the workspace's ui/dist when it exists. */
    uiDir: z.string().min(1).optional(),
    /** Alert rules, evaluator and receivers. */
    alerts: alertsConfigSchema,
  })
  .prefault({});
export type QueryConfig = z.infer<typeof queryConfigSchema>;
export type QueryConfigInput = z.input<typeof queryConfigSchema>;
