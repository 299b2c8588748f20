import type { MeshTrafficRow, RedPoint } from '@meshscope/collector';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import {
  operationsResponseSchema,
  serviceEdgesResponseSchema,
  servicesResponseSchema,
  seriesResponseSchema,
  type OperationsResponse,
  type ServiceEdgesResponse,
} from '../api/mesh.js';
import {
  seriesQuerySchema,
  serviceParamsSchema,
  serviceQuerySchema,
  servicesQuerySchema,
} from '../api/requests.js';
import { edgeHealth } from '../health/health.js';
import { seriesFromRed, seriesFromTraffic } from '../mesh/series.js';
import { buildServiceSummaries, spanOnlyServices } from '../mesh/services.js';
import { mtlsShare, protocolTraffic, redSignals, trafficSignals } from '../mesh/signals.js';
import { alignedWindow, bucketStarts, resolveStep, type TimeWindow } from '../mesh/window.js';
import { meshWindow, rateSeconds, type RouteContext } from './context.js';

/**
 * `/api/mesh/services…`: every service with golden signals, saturation and health; one service's time
 * series, its inbound and outbound edges, and its operations. Numbers for a service come from agents when
 * agents report requests into it, else from its SDK spans (see mesh/services.ts); never from both.
 */

const TAGS = ['mesh'];
const INBOUND_KINDS = ['Server', 'Consumer'] as const;

const spanInbound = (window: TimeWindow, services?: readonly string[], stepSec?: number) => ({
  ...window,
  ...(stepSec ? { stepSec } : {}),
  groupBy: ['service'] as const,
  spanKinds: INBOUND_KINDS,
  fromAgent: false,
  ...(services ? { services } : {}),
});

/** Whether agents report requests into the service (its numbers then come from them). */
const inMesh = (rows: readonly MeshTrafficRow[]): boolean =>
  rows.some((r) => r.via === 'mesh' && r.requests > 0);

export function meshServiceRoutes(ctx: RouteContext): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.get(
      '/api/mesh/services',
      {
        schema: {
          tags: TAGS,
          summary: 'Every service in the window: golden signals, saturation, health',
          querystring: servicesQuerySchema,
          response: { 200: servicesResponseSchema },
        },
      },
      async (request) => {
        const window = meshWindow(ctx, request.query);
        const [inbound, edges, redAny, saturation, windowSec] = await Promise.all([
          ctx.read.meshTraffic({ ...window, level: 'service', bySource: false, byDest: true, spans: false }),
          ctx.read.meshTraffic({
            ...window,
            level: 'service',
            bySource: true,
            byDest: true,
            byProtocol: true,
            latency: false,
          }),
          // who exists outside the mesh: counts only
          ctx.read.red({ ...window, groupBy: ['service'], fromAgent: false, latency: false }),
          ctx.read.saturation(window),
          rateSeconds(ctx, window),
        ]);
        // SDK span latency (the costliest read) only for services whose numbers come from spans
        const outside = spanOnlyServices({ inbound, edges, redAny });
        const redInbound = outside.length ? await ctx.read.red(spanInbound(window, outside)) : [];
        const services = buildServiceSummaries({
          windowSec,
          inbound,
          edges,
          redInbound,
          redAny,
          saturation,
          policy: ctx.policy,
        });
        const namespace = request.query.namespace;
        return {
          window,
          services: namespace === undefined ? services : services.filter((s) => s.namespace === namespace),
        };
      },
    );

    app.get(
      '/api/mesh/services/:service/series',
      {
        schema: {
          tags: TAGS,
          summary: "A service's golden signals over time, one point per step",
          params: serviceParamsSchema,
          querystring: seriesQuerySchema,
          response: { 200: seriesResponseSchema },
        },
      },
      async (request) => {
        const window = meshWindow(ctx, request.query);
        const stepSec = resolveStep(window, request.query.stepSec, ctx.config.limits.maxPoints);
        const read = { ...alignedWindow(window, stepSec), stepSec };
        const service = request.params.service;
        const [traffic, saturation] = await Promise.all([
          ctx.read.meshTraffic({
            ...read,
            level: 'service',
            bySource: false,
            byDest: true,
            destServices: [service],
            spans: false,
          }),
          ctx.read.saturation({ ...read, services: [service] }),
        ]);
        const namespace = request.query.namespace;
        const rows =
          namespace === undefined ? traffic : traffic.filter((r) => r.dest.namespace === namespace);
        const buckets = bucketStarts(window, stepSec);
        if (inMesh(rows)) {
          return { window, stepSec, points: seriesFromTraffic(buckets, stepSec, rows, saturation) };
        }
        const red = await ctx.read.red(spanInbound(read, [service], stepSec));
        return { window, stepSec, points: seriesFromRed(buckets, stepSec, red, saturation) };
      },
    );

    app.get(
      '/api/mesh/services/:service/edges',
      {
        schema: {
          tags: TAGS,
          summary: "A service's callers (inbound) and callees (outbound), per protocol",
          params: serviceParamsSchema,
          querystring: serviceQuerySchema,
          response: { 200: serviceEdgesResponseSchema },
        },
      },
      async (request): Promise<ServiceEdgesResponse> => {
        const window = meshWindow(ctx, request.query);
        const service = request.params.service;
        const namespace = request.query.namespace;
        const common = {
          ...window,
          level: 'service' as const,
          bySource: true,
          byDest: true,
          byProtocol: true,
        };
        const [inbound, outbound] = await Promise.all([
          ctx.read.meshTraffic({ ...common, destServices: [service] }),
          ctx.read.meshTraffic({ ...common, sourceServices: [service] }),
        ]);
        const windowSec = await rateSeconds(ctx, window);
        const summary = (row: MeshTrafficRow, other: 'source' | 'dest') => {
          const peer = row[other];
          return {
            service: peer.service,
            namespace: peer.namespace,
            protocol: row.protocol,
            mtlsShare: mtlsShare(row),
            health: edgeHealth(ctx.policy, {
              source: { namespace: row.source.namespace, kind: 'service', name: row.source.service },
              destination: { namespace: row.dest.namespace, kind: 'service', name: row.dest.service },
              traffic: protocolTraffic(row.protocols),
            }).status,
            ...trafficSignals(row, windowSec),
          };
        };
        const ours = (end: MeshTrafficRow['source']) =>
          namespace === undefined || end.namespace === namespace;
        return {
          window,
          service,
          inbound: inbound.filter((r) => ours(r.dest)).map((r) => summary(r, 'source')),
          outbound: outbound.filter((r) => ours(r.source)).map((r) => summary(r, 'dest')),
        };
      },
    );

    app.get(
      '/api/mesh/services/:service/operations',
      {
        schema: {
          tags: TAGS,
          summary: "A service's operations (span names) with golden signals, per span kind",
          params: serviceParamsSchema,
          querystring: serviceQuerySchema,
          response: { 200: operationsResponseSchema },
        },
      },
      async (request): Promise<OperationsResponse> => {
        const window = meshWindow(ctx, request.query);
        const service = request.params.service;
        const base = { ...window, groupBy: ['operation', 'kind'] as const, services: [service] };
        const [sdk, agent] = await Promise.all([
          ctx.read.red({ ...base, fromAgent: false }),
          ctx.read.red({ ...base, fromAgent: true }),
        ]);
        const windowSec = await rateSeconds(ctx, window);
        return {
          window,
          service,
          operations: preferSdkKinds(sdk, agent).map((r) => ({
            name: r.operation,
            spanKind: r.spanKind,
            ...redSignals(r, windowSec),
          })),
        };
      },
    );
    done();
  };
}

/**
 * An app behind an agent has the same requests as agent spans and as its own SDK spans: per span kind,
 * the SDK's operations (meaningful names, e.g. routes) when it reported that kind, else the agent's.
 */
function preferSdkKinds(sdk: readonly RedPoint[], agent: readonly RedPoint[]): RedPoint[] {
  const sdkKinds = new Set(sdk.map((r) => r.spanKind));
  return [...sdk, ...agent.filter((r) => !sdkKinds.has(r.spanKind))].sort(
    (a, b) => b.requests - a.requests || (a.operation < b.operation ? -1 : a.operation > b.operation ? 1 : 0),
  );
}
