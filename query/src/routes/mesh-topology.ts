import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { topologyResponseSchema } from '../api/mesh.js';
import { edgeSeriesResponseSchema } from '../api/mesh.js';
import { edgeSeriesQuerySchema, topologyQuerySchema } from '../api/requests.js';
import { seriesFromTraffic } from '../mesh/series.js';
import { buildTopology, LEVEL_OF } from '../mesh/topology.js';
import { alignedWindow, bucketStarts, resolveStep } from '../mesh/window.js';
import { meshWindow, rateSeconds, type RouteContext } from './context.js';

/** `/api/mesh/topology` (the graph) and `/api/mesh/edges/series` (one edge over time). */

const TAGS = ['mesh'];

export function meshTopologyRoutes(ctx: RouteContext): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.get(
      '/api/mesh/topology',
      {
        schema: {
          tags: TAGS,
          summary:
            'Service graph: nodes and edges with signals, mTLS share, protocol, traffic share and health',
          querystring: topologyQuerySchema,
          response: { 200: topologyResponseSchema },
        },
      },
      async (request) => {
        const { graphType, idle, namespace } = request.query;
        const window = meshWindow(ctx, request.query);
        const level = LEVEL_OF[graphType];
        const idleWindow = {
          startSec: Math.min(window.startSec, window.endSec - ctx.config.limits.idleLookbackSec),
          endSec: window.endSec,
        };
        const [edges, inbound, seen, windowSec] = await Promise.all([
          ctx.read.meshTraffic({ ...window, level, bySource: true, byDest: true, byProtocol: true }),
          ctx.read.meshTraffic({ ...window, level, bySource: false, byDest: true, identities: false }),
          idle ? ctx.read.trafficEndpoints({ ...idleWindow, level }) : Promise.resolve([]),
          rateSeconds(ctx, window),
        ]);
        const inputs = {
          graphType,
          windowSec,
          edges,
          inbound,
          seen,
          ...(namespace !== undefined ? { namespace } : {}),
          policy: ctx.policy,
        };
        let graph = buildTopology({ ...inputs, redInbound: [] });
        // A service node outside the mesh counts its inbound requests from its SDK spans (merging their
        // latency digests is the costliest read here), so they are read for those services only.
        const outside = graph.nodes
          .filter((n) => n.kind === 'service' && !n.inMesh && !n.idle)
          .map((n) => n.service);
        if (graphType === 'service' && outside.length > 0) {
          const redInbound = await ctx.read.red({
            ...window,
            groupBy: ['service'],
            spanKinds: ['Server', 'Consumer'],
            fromAgent: false,
            services: [...new Set(outside)],
          });
          graph = buildTopology({ ...inputs, redInbound });
        }
        return { window, graphType, ...graph };
      },
    );

    app.get(
      '/api/mesh/edges/series',
      {
        schema: {
          tags: TAGS,
          summary: 'Traffic on one edge (caller → callee) over time',
          querystring: edgeSeriesQuerySchema,
          response: { 200: edgeSeriesResponseSchema },
        },
      },
      async (request) => {
        const window = meshWindow(ctx, request.query);
        const stepSec = resolveStep(window, request.query.stepSec, ctx.config.limits.maxPoints);
        const { source, target } = request.query;
        const rows = await ctx.read.meshTraffic({
          ...alignedWindow(window, stepSec),
          stepSec,
          level: 'service',
          bySource: true,
          byDest: true,
          sourceServices: [source],
          destServices: [target],
        });
        return {
          window,
          stepSec,
          source,
          target,
          points: seriesFromTraffic(bucketStarts(window, stepSec), stepSec, rows),
        };
      },
    );
    done();
  };
}
