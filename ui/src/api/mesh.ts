import type { z } from 'zod';
import {
  criticalPathSchema,
  edgeSeriesResponseSchema,
  latencyAttributionResponseSchema,
  operationsResponseSchema,
  serviceEdgesResponseSchema,
  servicesResponseSchema,
  seriesResponseSchema,
  topologyResponseSchema,
  traceSummariesResponseSchema,
  type attributionQuerySchema,
  type edgeSeriesQuerySchema,
  type seriesQuerySchema,
  type serviceQuerySchema,
  type servicesQuerySchema,
  type topologyQuerySchema,
  type traceSearchQuerySchema,
} from '@meshscope/query/api';
import { buildUrl, getJson } from './client';

/**
 * The mesh API (`/api/mesh/*`). Parameter objects are typed by the service's own request schemas, so a
 * renamed parameter fails the UI's type check instead of being silently ignored by the service.
 */
type ParamsOf<S extends z.ZodType> = { [K in keyof z.input<S>]?: string | number | boolean };

const enc = encodeURIComponent;

export const meshApi = {
  services: (params: ParamsOf<typeof servicesQuerySchema>, signal?: AbortSignal) =>
    getJson(buildUrl('/api/mesh/services', params), servicesResponseSchema, signal),

  serviceSeries: (service: string, params: ParamsOf<typeof seriesQuerySchema>, signal?: AbortSignal) =>
    getJson(buildUrl(`/api/mesh/services/${enc(service)}/series`, params), seriesResponseSchema, signal),

  serviceEdges: (service: string, params: ParamsOf<typeof serviceQuerySchema>, signal?: AbortSignal) =>
    getJson(buildUrl(`/api/mesh/services/${enc(service)}/edges`, params), serviceEdgesResponseSchema, signal),

  serviceOperations: (service: string, params: ParamsOf<typeof serviceQuerySchema>, signal?: AbortSignal) =>
    getJson(
      buildUrl(`/api/mesh/services/${enc(service)}/operations`, params),
      operationsResponseSchema,
      signal,
    ),

  topology: (params: ParamsOf<typeof topologyQuerySchema>, signal?: AbortSignal) =>
    getJson(buildUrl('/api/mesh/topology', params), topologyResponseSchema, signal),

  edgeSeries: (params: ParamsOf<typeof edgeSeriesQuerySchema>, signal?: AbortSignal) =>
    getJson(buildUrl('/api/mesh/edges/series', params), edgeSeriesResponseSchema, signal),

  traceSummaries: (params: ParamsOf<typeof traceSearchQuerySchema>, signal?: AbortSignal) =>
    getJson(buildUrl('/api/mesh/traces', params), traceSummariesResponseSchema, signal),

  criticalPath: (traceID: string, signal?: AbortSignal) =>
    getJson(`/api/mesh/traces/${enc(traceID)}/critical-path`, criticalPathSchema, signal),

  attribution: (params: ParamsOf<typeof attributionQuerySchema>, signal?: AbortSignal) =>
    getJson(buildUrl('/api/mesh/attribution', params), latencyAttributionResponseSchema, signal),
};
