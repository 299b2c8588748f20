import { z } from 'zod';

/**
 * Jaeger's query API JSON (v1), as Jaeger v2.20 writes it: `internal/uimodel/model.go` for traces and
 * dependencies, `http_handler.go` for the envelope, `proto-gen/api_v2/metrics` (protobuf JSON) for the SPM
 * metrics. Field names, order and nullability follow Go's encoding: nil slices are `null` (`warnings`,
 * `errors`), `omitempty` fields are absent. Jaeger UI and Grafana's Jaeger data source parse exactly this.
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** A tag, a log field or a process tag. */
export const jaegerKeyValueSchema = z.discriminatedUnion('type', [
  z.strictObject({ key: z.string(), type: z.literal('string'), value: z.string() }),
  z.strictObject({ key: z.string(), type: z.literal('bool'), value: z.boolean() }),
  z.strictObject({
    key: z.string(),
    type: z.literal('int64'),
    /** a number within ±(2^53 − 1); beyond it JavaScript would round, so Jaeger sends the decimal text */
    value: z.union([z.number().int().min(-MAX_SAFE).max(MAX_SAFE), z.string().regex(/^-?\d+$/)]),
  }),
  z.strictObject({ key: z.string(), type: z.literal('float64'), value: z.number() }),
  /** base64 */
  z.strictObject({ key: z.string(), type: z.literal('binary'), value: z.string() }),
]);
export type JaegerKeyValue = z.infer<typeof jaegerKeyValueSchema>;

export const jaegerReferenceSchema = z.strictObject({
  refType: z.enum(['CHILD_OF', 'FOLLOWS_FROM']),
  traceID: z.string(),
  spanID: z.string(),
});
export type JaegerReference = z.infer<typeof jaegerReferenceSchema>;

export const jaegerLogSchema = z.strictObject({
  /** unix µs */
  timestamp: z.number().int(),
  fields: z.array(jaegerKeyValueSchema),
});
export type JaegerLog = z.infer<typeof jaegerLogSchema>;

export const jaegerProcessSchema = z.strictObject({
  serviceName: z.string(),
  tags: z.array(jaegerKeyValueSchema),
});
export type JaegerProcess = z.infer<typeof jaegerProcessSchema>;

export const jaegerSpanSchema = z.strictObject({
  traceID: z.string(),
  spanID: z.string(),
  /** omitempty in Jaeger; meshscope does not store flags */
  flags: z.number().int().optional(),
  operationName: z.string(),
  references: z.array(jaegerReferenceSchema),
  /** unix µs, truncated */
  startTime: z.number().int().nonnegative(),
  /** µs, truncated */
  duration: z.number().int().nonnegative(),
  tags: z.array(jaegerKeyValueSchema),
  logs: z.array(jaegerLogSchema),
  /** key into the trace's `processes` */
  processID: z.string(),
  warnings: z.array(z.string()).nullable(),
});
export type JaegerSpan = z.infer<typeof jaegerSpanSchema>;

export const jaegerTraceSchema = z.strictObject({
  traceID: z.string(),
  spans: z.array(jaegerSpanSchema),
  /** keyed p1, p2, … in the order processes are first seen */
  processes: z.record(z.string(), jaegerProcessSchema),
  warnings: z.array(z.string()).nullable(),
});
export type JaegerTrace = z.infer<typeof jaegerTraceSchema>;

export const jaegerStructuredErrorSchema = z.strictObject({
  /** HTTP status; omitempty (absent on the per-trace "not found" errors of a multi-get) */
  code: z.number().int().optional(),
  msg: z.string(),
  traceID: z.string().optional(),
});
export type JaegerStructuredError = z.infer<typeof jaegerStructuredErrorSchema>;

/** `{data, total, limit, offset, errors}`; on an error `data` is null and `errors` holds one entry. */
export function jaegerEnvelopeSchema<T extends z.ZodType>(data: T) {
  return z.strictObject({
    data: data.nullable(),
    total: z.number().int().nonnegative(),
    limit: z.number().int().nonnegative(),
    offset: z.number().int().nonnegative(),
    errors: z.array(jaegerStructuredErrorSchema).nullable(),
  });
}
export interface JaegerEnvelope<T> {
  data: T | null;
  total: number;
  limit: number;
  offset: number;
  errors: JaegerStructuredError[] | null;
}

/** A successful response; `total` is filled by the services and operations routes only, as in Jaeger. */
export function jaegerResponse<T>(data: T, total = 0): JaegerEnvelope<T> {
  return { data, total, limit: 0, offset: 0, errors: null };
}

/** The body Jaeger sends with an HTTP error status. */
export function jaegerErrorResponse(code: number, msg: string): JaegerEnvelope<never> {
  return { data: null, total: 0, limit: 0, offset: 0, errors: [{ code, msg }] };
}

export const jaegerDependencyLinkSchema = z.strictObject({
  parent: z.string(),
  child: z.string(),
  callCount: z.number().int().nonnegative(),
});
export type JaegerDependencyLink = z.infer<typeof jaegerDependencyLinkSchema>;

export const jaegerOperationSchema = z.strictObject({
  name: z.string(),
  /** 'server', 'client', … or '' */
  spanKind: z.string(),
});
export type JaegerOperation = z.infer<typeof jaegerOperationSchema>;

/**
 * `/api/metrics/{latencies,calls,errors}` (Service Performance Monitoring): an OpenMetrics `MetricFamily` in
 * protobuf JSON, NOT wrapped in the envelope. Non-finite doubles are strings, as protobuf JSON writes them.
 */
export const jaegerGaugeValueSchema = z.strictObject({
  doubleValue: z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]),
});

export const jaegerMetricPointSchema = z.strictObject({
  gaugeValue: jaegerGaugeValueSchema,
  /** RFC 3339, e.g. "2021-06-03T09:12:06Z" */
  timestamp: z.string(),
});

export const jaegerMetricLabelSchema = z.strictObject({ name: z.string(), value: z.string() });

export const jaegerMetricSchema = z.strictObject({
  labels: z.array(jaegerMetricLabelSchema),
  metricPoints: z.array(jaegerMetricPointSchema),
});

export const jaegerMetricFamilySchema = z.strictObject({
  /** service_latencies | service_call_rate | service_error_rate (Jaeger's names) */
  name: z.string(),
  type: z.enum([
    'UNKNOWN',
    'GAUGE',
    'COUNTER',
    'STATE_SET',
    'INFO',
    'HISTOGRAM',
    'GAUGE_HISTOGRAM',
    'SUMMARY',
  ]),
  /** empty strings are left out by protobuf JSON */
  unit: z.string().optional(),
  help: z.string(),
  metrics: z.array(jaegerMetricSchema),
});
export type JaegerMetricFamily = z.infer<typeof jaegerMetricFamilySchema>;
export type JaegerMetric = z.infer<typeof jaegerMetricSchema>;
export type JaegerMetricPoint = z.infer<typeof jaegerMetricPointSchema>;
