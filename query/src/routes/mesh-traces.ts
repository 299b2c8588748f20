import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { latencyAttributionResponseSchema } from '../api/attribution.js';
import { traceSummariesResponseSchema } from '../api/mesh.js';
import { attributionQuerySchema, traceParamsSchema, traceSearchQuerySchema } from '../api/requests.js';
import { NotFoundError } from '../http/errors.js';
import { traceSummariesFrom } from '../mesh/trace-summaries.js';
import { parseDurationParamNs } from '../params/duration.js';
import { ParamError } from '../params/errors.js';
import { parseLogfmtParam } from '../params/logfmt.js';
import { parseLimitParam } from '../params/time.js';
import { parseTraceIdParam } from '../params/trace-id.js';
import { attributeLatency } from '../tracing/attribution.js';
import { criticalPathOfRows, criticalPathSchema } from '../tracing/critical-path.js';
import { meshWindow, rowsInOrder, type RouteContext } from './context.js';
import { conditionsFromTags } from './trace-search.js';

/**
 * `/api/mesh/traces` (search results as summaries), `/api/mesh/traces/{traceID}/critical-path`, and
 * `/api/mesh/attribution` (which services and operations the critical path of slow traces runs through,
 * compared with a baseline sample).
 */

const TAGS = ['mesh', 'traces'];
const DEFAULT_LIMIT = 20;
const DEFAULT_SLOW = 20;
const DEFAULT_BASELINE = 100;

function optionalDurationNs(param: string, raw: string | undefined): number | undefined {
  return raw === undefined || raw === '' ? undefined : Number(parseDurationParamNs(param, raw));
}

function count(param: string, raw: string | undefined, fallback: number, max: number): number {
  const n = parseLimitParam(param, raw) ?? fallback;
  if (n > max) throw new ParamError(param, `at most ${max}`);
  return n;
}

export function meshTraceRoutes(ctx: RouteContext): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.get(
      '/api/mesh/traces',
      {
        schema: {
          tags: TAGS,
          summary: 'Find traces (all conditions on one span), as summaries, newest first',
          querystring: traceSearchQuerySchema,
          response: { 200: traceSummariesResponseSchema },
        },
      },
      async (request) => {
        const q = request.query;
        const window = meshWindow(ctx, q);
        const tags = q.tags ? parseLogfmtParam('tags', q.tags) : {};
        const minDurationNs = optionalDurationNs('minDuration', q.minDuration);
        const maxDurationNs = optionalDurationNs('maxDuration', q.maxDuration);
        if (minDurationNs && maxDurationNs && maxDurationNs < minDurationNs) {
          throw new ParamError('maxDuration', 'must not be less than minDuration');
        }
        const hits = await ctx.read.searchTraces({
          ...window,
          ...(q.service ? { service: q.service } : {}),
          ...(q.operation ? { operation: q.operation } : {}),
          ...conditionsFromTags(tags, 'tags'),
          ...(minDurationNs ? { minDurationNs } : {}),
          ...(maxDurationNs ? { maxDurationNs } : {}),
          limit: count('limit', q.limit, DEFAULT_LIMIT, ctx.config.limits.maxSearchTraces),
        });
        const ids = hits.map((h) => h.traceId);
        const rows = ids.length > 0 ? await ctx.read.traceSummaries(ids) : [];
        return { traces: traceSummariesFrom(ids, rows) };
      },
    );

    app.get(
      '/api/mesh/traces/:traceID/critical-path',
      {
        schema: {
          tags: TAGS,
          summary: "A trace's critical path (Jaeger UI's algorithm) and each span's self time on it, µs",
          params: traceParamsSchema,
          response: { 200: criticalPathSchema },
        },
      },
      async (request) => {
        const id = parseTraceIdParam('traceID', request.params.traceID);
        const rows = await ctx.read.trace(id);
        if (rows.length === 0) throw new NotFoundError(`trace ${id} not found`);
        return criticalPathOfRows(rows);
      },
    );

    app.get(
      '/api/mesh/attribution',
      {
        schema: {
          tags: TAGS,
          summary:
            'Latency attribution: critical-path time per service and operation, slow traces vs a baseline',
          querystring: attributionQuerySchema,
          response: { 200: latencyAttributionResponseSchema },
        },
      },
      async (request) => {
        const q = request.query;
        const window = meshWindow(ctx, q);
        const max = ctx.config.limits.maxAttributionTraces;
        const samples = await ctx.read.operationSamples({
          ...window,
          service: q.service,
          operation: q.operation,
          slowest: count('slow', q.slow, Math.min(DEFAULT_SLOW, max), max),
          baseline: count('baseline', q.baseline, Math.min(DEFAULT_BASELINE, max), max),
        });
        const ids = [...new Set([...samples.slow, ...samples.baseline])];
        const traces = rowsInOrder(ids, ids.length > 0 ? await ctx.read.traces(ids) : []);
        const byId = new Map(traces.map((rows) => [rows[0]?.TraceId ?? '', rows]));
        const rowsOf = (list: readonly string[]) =>
          list.map((id) => byId.get(id)).filter((rows) => rows !== undefined);
        return {
          window,
          service: q.service,
          operation: q.operation,
          ...attributeLatency({ slow: rowsOf(samples.slow), baseline: rowsOf(samples.baseline) }),
        };
      },
    );
    done();
  };
}
