/**
 * The mesh telemetry contract between proxy-agent (producer) and collector (consumer): metric names and
 * attribute keys that agents put on their OTLP request metrics and spans. Names follow Istio's standard
 * metric labels so that users' existing dashboards and Kiali's vocabulary carry over; instruments follow
 * the OpenTelemetry HTTP semantic conventions. The proxy-agent imports this module
 * (`@meshscope/collector/conventions`), so the two sides cannot drift apart.
 */

/** Histogram (unit s, delta temporality) recorded by the inbound agent: reporter = destination. */
export const SERVER_DURATION_METRIC = 'http.server.request.duration';
/** Histogram (unit s, delta temporality) recorded by the outbound agent: reporter = source. */
export const CLIENT_DURATION_METRIC = 'http.client.request.duration';
/** Gauge: requests in flight through an agent listener (saturation). Attributes: reporter, workload labels. */
export const INFLIGHT_METRIC = 'meshscope.agent.requests.inflight';
/** Gauge: requests waiting for an upstream connection in the pool (saturation). */
export const POOL_PENDING_METRIC = 'meshscope.agent.pool.pending';

/** OpenTelemetry's default HTTP duration buckets, seconds. Agents use these; rollups use the same bounds. */
export const HTTP_DURATION_BUCKETS_SEC = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
] as const;

/** Attribute keys on request metrics and on agent spans (Istio's standard metric label names). */
export const MeshAttr = {
  reporter: 'reporter',
  sourceWorkload: 'source_workload',
  sourceWorkloadNamespace: 'source_workload_namespace',
  sourceApp: 'source_app',
  sourceVersion: 'source_version',
  sourcePrincipal: 'source_principal',
  destinationService: 'destination_service',
  destinationServiceName: 'destination_service_name',
  destinationServiceNamespace: 'destination_service_namespace',
  destinationWorkload: 'destination_workload',
  destinationWorkloadNamespace: 'destination_workload_namespace',
  destinationApp: 'destination_app',
  destinationVersion: 'destination_version',
  destinationPrincipal: 'destination_principal',
  responseCode: 'response_code',
  responseFlags: 'response_flags',
  requestProtocol: 'request_protocol',
  grpcResponseStatus: 'grpc_response_status',
  connectionSecurityPolicy: 'connection_security_policy',
} as const;

export type Reporter = 'source' | 'destination';
/** Value of `connection_security_policy`. */
export type ConnectionSecurityPolicy = 'mutual_tls' | 'none' | 'unknown';

/**
 * Resource attribute an agent sets on everything it exports. Spans carrying it describe mesh requests that
 * the same agent also counted in its request metrics, so span-derived rollups skip them (never count one
 * request twice).
 */
export const AGENT_RESOURCE_ATTR = 'meshscope.agent';
