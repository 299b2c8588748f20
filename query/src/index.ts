// The query service (buildApp / startQueryService) and its pure cores: critical path and latency attribution, the Jaeger v1 model and
// api_v3 OTLP JSON, request parameter parsing, Kiali-style health.

// tracing
export {
  criticalPath,
  criticalPathOfRows,
  criticalPathSpansFromRows,
  criticalPathSchema,
  criticalPathSectionSchema,
  spanSelfTimeSchema,
} from './tracing/critical-path.js';
export type {
  CriticalPath,
  CriticalPathSection,
  CriticalPathSpan,
  SpanSelfTime,
} from './tracing/critical-path.js';
export {
  attributeLatency,
  latencyAttributionSchema,
  nearestRankQuantile,
  operationAttributionSchema,
  operationSampleStatsSchema,
  sampleSummarySchema,
} from './tracing/attribution.js';
export type {
  AttributionInput,
  LatencyAttribution,
  OperationAttribution,
  OperationSampleStats,
  SampleSummary,
} from './tracing/attribution.js';
export { durationNsToUs, endNsText, isEmptySpanId, nsTextToUs } from './tracing/span-time.js';

// jaeger: v1 JSON model and conversion, api_v3 OTLP JSON
export {
  jaegerDependencyLinkSchema,
  jaegerEnvelopeSchema,
  jaegerErrorResponse,
  jaegerKeyValueSchema,
  jaegerLogSchema,
  jaegerMetricFamilySchema,
  jaegerMetricPointSchema,
  jaegerMetricSchema,
  jaegerOperationSchema,
  jaegerProcessSchema,
  jaegerReferenceSchema,
  jaegerResponse,
  jaegerSpanSchema,
  jaegerStructuredErrorSchema,
  jaegerTraceSchema,
} from './jaeger/model.js';
export type {
  JaegerDependencyLink,
  JaegerEnvelope,
  JaegerKeyValue,
  JaegerLog,
  JaegerMetric,
  JaegerMetricFamily,
  JaegerMetricPoint,
  JaegerOperation,
  JaegerProcess,
  JaegerReference,
  JaegerSpan,
  JaegerStructuredError,
  JaegerTrace,
} from './jaeger/model.js';
export {
  DUPLICATE_SPAN_ID_WARNING,
  JaegerTagKeys,
  missingParentWarning,
  NO_SERVICE_NAME,
  toJaegerKeyValue,
  toJaegerTrace,
  toJaegerTraces,
} from './jaeger/to-jaeger.js';
export {
  apiV3Error,
  apiV3ErrorSchema,
  apiV3OperationsResponseSchema,
  apiV3ServicesResponseSchema,
  apiV3TracesResponseSchema,
  OTLP_SPAN_KIND,
  OTLP_STATUS_CODE,
  otlpTracesDataSchema,
  toApiV3TracesResponse,
  toOtlpAnyValue,
  toOtlpTracesData,
} from './jaeger/otlp-json.js';
export type {
  ApiV3Error,
  ApiV3TracesResponse,
  OtlpAnyValue,
  OtlpSpan,
  OtlpTracesData,
} from './jaeger/otlp-json.js';
export { inferAttributeValue } from './jaeger/attribute-values.js';
export type { InferredValue } from './jaeger/attribute-values.js';

// params: request parameters → typed values, or a ParamError naming the parameter (a 400)
export { ParamError } from './params/errors.js';
export {
  DurationSyntaxError,
  parseDurationParamNs,
  parseDurationParamUs,
  parseGoDurationNs,
  parseGoDurationUs,
} from './params/duration.js';
export { parseJaegerTags } from './params/tags.js';
export type { TagParams } from './params/tags.js';
export { LogfmtSyntaxError, parseLogfmt, parseLogfmtParam } from './params/logfmt.js';
export {
  parseBoolParam,
  parseLimitParam,
  parseMillisParam,
  parseQuantileParam,
  parseRfc3339NanoParam,
  parseSpanKindParam,
  parseUnixMicrosParam,
  parseUnixMillisParam,
} from './params/time.js';

// health: Kiali's tolerances
export {
  DEFAULT_RATE,
  healthConfigSchema,
  kialiPattern,
  rateSchema,
  toleranceSchema,
} from './health/config.js';
export type { HealthConfig, HealthConfigInput, Rate, Tolerance } from './health/config.js';
export {
  compileHealthPolicy,
  edgeHealth,
  healthResultSchema,
  healthStatusSchema,
  nodeHealth,
  protocolTrafficFromCounts,
  worseHealth,
} from './health/health.js';
export type {
  DirectionalTraffic,
  EdgeTraffic,
  HealthEntity,
  HealthPolicy,
  HealthResult,
  HealthStatus,
  ProtocolTraffic,
  RollupCounts,
} from './health/health.js';

// the service: build (tests, embedding) or start (the CLI), its configuration and metrics
export { buildApp } from './app.js';
export type { QueryAppDeps } from './app.js';
export { DEFAULT_UI_DIR, startQueryService } from './server.js';
export type { QueryServiceHandle, QueryServiceOptions } from './server.js';
export { queryConfigSchema, queryServiceLimitsSchema, queryTokensSchema } from './config.js';
export type { QueryConfig, QueryConfigInput, QueryServiceLimits, QueryTokens } from './config.js';
export { createQueryMetrics } from './http/metrics.js';
export type { QueryMetrics } from './http/metrics.js';
export { parseTraceIdParam } from './params/trace-id.js';

export { RuleValidationError } from './alerts/rules.js';
