/**
 * `@meshscope/query/api`: the response schemas of the query service's HTTP API, safe for the browser bundle
 * (zod only). The UI validates every response with these; the service validates what it sends.
 */
export {
  apiErrorSchema,
  edgeSeriesResponseSchema,
  graphEdgeSchema,
  graphNodeSchema,
  graphTypeSchema,
  healthStatusSchema,
  operationsResponseSchema,
  serviceEdgesResponseSchema,
  servicesResponseSchema,
  seriesResponseSchema,
  signalsSchema,
  topologyResponseSchema,
  traceSummariesResponseSchema,
  traceSummarySchema,
} from './mesh.js';
export type {
  ApiError,
  ApiWindow,
  EdgeSeriesResponse,
  GraphEdge,
  GraphNode,
  GraphType,
  HealthStatus,
  LatencyMs,
  OperationsResponse,
  SeriesPoint,
  SeriesResponse,
  ServiceEdgesResponse,
  ServicesResponse,
  ServiceSummary,
  Signals,
  TopologyResponse,
  TraceSummariesResponse,
  TraceSummary,
} from './mesh.js';
export { criticalPathSchema } from '../tracing/critical-path.js';
export type { CriticalPath } from '../tracing/critical-path.js';
export { latencyAttributionSchema } from '../tracing/attribution.js';
export type { LatencyAttribution } from '../tracing/attribution.js';
export { latencyAttributionResponseSchema } from './attribution.js';
export type { LatencyAttributionResponse } from './attribution.js';
// request parameters of the mesh routes
export {
  attributionQuerySchema,
  edgeSeriesQuerySchema,
  seriesQuerySchema,
  serviceParamsSchema,
  serviceQuerySchema,
  servicesQuerySchema,
  topologyQuerySchema,
  traceParamsSchema,
  traceSearchQuerySchema,
  windowQuerySchema,
} from './requests.js';
export type { WindowQuery } from './requests.js';
// the Jaeger v1 JSON model (zod only), so browser clients of /api/traces validate with the service's schemas
export { jaegerEnvelopeSchema, jaegerKeyValueSchema, jaegerTraceSchema } from '../jaeger/model.js';
export type {
  JaegerKeyValue,
  JaegerLog,
  JaegerProcess,
  JaegerReference,
  JaegerSpan,
  JaegerTrace,
} from '../jaeger/model.js';
// alert rules, instances, history and silences
export {
  alertInstanceSchema,
  alertRuleSchema,
  alertStatusSchema,
  BURN_WINDOWS,
  comparatorSchema,
  durationMs,
  durationSchema,
  exemplarsResponseSchema,
  historyEventSchema,
  historyResponseSchema,
  instancesResponseSchema,
  matcherSchema,
  ruleResponseSchema,
  rulesResponseSchema,
  silenceInputSchema,
  silenceSchema,
  silencesResponseSchema,
  TEMPLATE_VARIABLES,
} from './alerts.js';
export type {
  AlertInstance,
  AlertRule,
  AlertRuleInput,
  BurnWindow,
  Comparator,
  HistoryEvent,
  Matcher,
  Scope,
  Signal,
  Silence,
  SilenceInput,
} from './alerts.js';
