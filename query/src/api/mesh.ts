import { z } from 'zod';

/**
 * The mesh API (`/api/mesh/*`): meshscope's own endpoints for golden signals, topology, trace summaries and
 * critical paths. These schemas are the contract: the query service validates its responses with them and
 * the UI validates what it receives with the same schemas (import `@meshscope/query/api`, which pulls in
 * nothing but zod). Times are unix seconds (`…Sec`) or microseconds (`…Us`); rates are per second; error
 * rates are fractions 0…1.
 */

export const healthStatusSchema = z.enum(['Healthy', 'Degraded', 'Failure', 'NA']);
export type HealthStatus = z.infer<typeof healthStatusSchema>;

export const windowSchema = z.object({ startSec: z.number(), endSec: z.number() });
export type ApiWindow = z.infer<typeof windowSchema>;

export const latencySchema = z.object({
  p50: z.number().nullable(),
  p90: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
});
export type LatencyMs = z.infer<typeof latencySchema>;

/** Golden signals of a service, a node, an edge or an operation over a window. */
export const signalsSchema = z.object({
  requests: z.number().nonnegative(),
  /** requests over the window's seconds, counted from the first stored minute when the window starts earlier */
  requestsPerSec: z.number().nonnegative(),
  /** 5xx (and gRPC non-OK, and no-response) share of requests */
  errorRate: z.number().min(0).max(1),
  /** 4xx share of requests */
  clientErrorRate: z.number().min(0).max(1),
  latencyMs: latencySchema,
});
export type Signals = z.infer<typeof signalsSchema>;

export const saturationSchema = z.object({
  /** requests in flight through the service's agents (max over the window), null without agents */
  inflight: z.number().nullable(),
  /** requests waiting for an upstream connection in agents' pools (max), null without agents */
  poolPending: z.number().nullable(),
});

/** Where a service's numbers come from: agents' request metrics (mesh) or SDK spans. */
export const signalSourceSchema = z.enum(['mesh', 'spans']);

export const serviceSummarySchema = signalsSchema.extend({
  name: z.string(),
  namespace: z.string(),
  versions: z.array(z.string()),
  source: signalSourceSchema,
  health: healthStatusSchema,
  saturation: saturationSchema,
});
export type ServiceSummary = z.infer<typeof serviceSummarySchema>;

export const servicesResponseSchema = z.object({
  window: windowSchema,
  services: z.array(serviceSummarySchema),
});
export type ServicesResponse = z.infer<typeof servicesResponseSchema>;

export const seriesPointSchema = z.object({
  timeSec: z.number(),
  requestsPerSec: z.number().nonnegative(),
  errorRate: z.number().min(0).max(1),
  latencyMs: latencySchema,
  inflight: z.number().nullable(),
});
export type SeriesPoint = z.infer<typeof seriesPointSchema>;

export const seriesResponseSchema = z.object({
  window: windowSchema,
  stepSec: z.number().positive(),
  points: z.array(seriesPointSchema),
});
export type SeriesResponse = z.infer<typeof seriesResponseSchema>;

export const nodeKindSchema = z.enum(['service', 'user', 'virtual', 'database', 'messaging']);

export const graphNodeSchema = z.object({
  /** stable id: "svc:<namespace>/<name>" (+ "@<version>" in the versioned graph), "virtual:<name>", "user" */
  id: z.string(),
  kind: nodeKindSchema,
  service: z.string(),
  namespace: z.string(),
  version: z.string().nullable(),
  /** whether agents report this node's traffic (in the mesh) or only SDK spans do */
  inMesh: z.boolean(),
  /** inbound traffic of the node */
  signals: signalsSchema,
  health: healthStatusSchema,
  /** no traffic in the window (shown only with idle nodes on) */
  idle: z.boolean(),
  /** the workload, in the workload graph (added after the first contract; absent elsewhere) */
  workload: z.string().optional(),
});
export type GraphNode = z.infer<typeof graphNodeSchema>;

export const graphEdgeSchema = z.object({
  id: z.string(),
  source: z.string(),
  target: z.string(),
  protocol: z.string(),
  signals: signalsSchema,
  /** share of the source's outbound requests that took this edge, 0…1 */
  trafficShare: z.number().min(0).max(1),
  /** share of requests on this edge that were mutual TLS, 0…1; null when unknown (span-derived) */
  mtlsShare: z.number().min(0).max(1).nullable(),
  /** principals seen (SPIFFE ids), when agents report them */
  sourcePrincipals: z.array(z.string()),
  destinationPrincipals: z.array(z.string()),
  /** 'mesh' from agents' metrics, 'spans' from CLIENT→SERVER pairing */
  via: signalSourceSchema,
  health: healthStatusSchema,
});
export type GraphEdge = z.infer<typeof graphEdgeSchema>;

export const graphTypeSchema = z.enum(['service', 'versioned', 'workload']);
export type GraphType = z.infer<typeof graphTypeSchema>;

export const topologyResponseSchema = z.object({
  window: windowSchema,
  graphType: graphTypeSchema,
  nodes: z.array(graphNodeSchema),
  edges: z.array(graphEdgeSchema),
});
export type TopologyResponse = z.infer<typeof topologyResponseSchema>;

export const edgeSummarySchema = signalsSchema.extend({
  service: z.string(),
  namespace: z.string(),
  protocol: z.string(),
  mtlsShare: z.number().min(0).max(1).nullable(),
  health: healthStatusSchema,
});
export const serviceEdgesResponseSchema = z.object({
  window: windowSchema,
  service: z.string(),
  /** callers of the service (`service` = the caller) */
  inbound: z.array(edgeSummarySchema),
  /** services it calls (`service` = the callee) */
  outbound: z.array(edgeSummarySchema),
});
export type ServiceEdgesResponse = z.infer<typeof serviceEdgesResponseSchema>;

export const operationSummarySchema = signalsSchema.extend({ name: z.string(), spanKind: z.string() });
export const operationsResponseSchema = z.object({
  window: windowSchema,
  service: z.string(),
  operations: z.array(operationSummarySchema),
});
export type OperationsResponse = z.infer<typeof operationsResponseSchema>;

export const traceSummarySchema = z.object({
  traceID: z.string(),
  rootService: z.string(),
  rootOperation: z.string(),
  startUs: z.number(),
  durationUs: z.number().nonnegative(),
  spanCount: z.number().int().nonnegative(),
  errorCount: z.number().int().nonnegative(),
  services: z.array(z.object({ name: z.string(), spanCount: z.number().int().nonnegative() })),
});
export type TraceSummary = z.infer<typeof traceSummarySchema>;
export const traceSummariesResponseSchema = z.object({ traces: z.array(traceSummarySchema) });
export type TraceSummariesResponse = z.infer<typeof traceSummariesResponseSchema>;

/** Traffic on one edge over time (`/api/mesh/edges/series`); `inflight` is always null on an edge. */
export const edgeSeriesResponseSchema = seriesResponseSchema.extend({
  source: z.string(),
  target: z.string(),
});
export type EdgeSeriesResponse = z.infer<typeof edgeSeriesResponseSchema>;

/** Error body of every /api/mesh route (and of the API in general outside the Jaeger envelope). */
export const apiErrorSchema = z.object({
  error: z.object({
    status: z.number().int(),
    message: z.string(),
    /** the request parameter that was wrong, when one was */
    parameter: z.string().optional(),
  }),
});
export type ApiError = z.infer<typeof apiErrorSchema>;
