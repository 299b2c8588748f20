import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../http/errors.js';
import {
  jaegerDependencyLinkSchema,
  jaegerEnvelopeSchema,
  jaegerOperationSchema,
  jaegerResponse,
  jaegerTraceSchema,
  type JaegerDependencyLink,
  type JaegerStructuredError,
} from '../jaeger/model.js';
import { toJaegerTrace } from '../jaeger/to-jaeger.js';
import { parseDurationParamNs } from '../params/duration.js';
import { ParamError } from '../params/errors.js';
import { parseJaegerTags } from '../params/tags.js';
import {
  parseBoolParam,
  parseLimitParam,
  parseMillisParam,
  parseSpanKindParam,
  parseUnixMicrosParam,
  parseUnixMillisParam,
} from '../params/time.js';
import { parseTraceIdParam } from '../params/trace-id.js';
import { allValues, firstValue, jaegerParam, rowsInOrder, type RouteContext } from './context.js';
import { conditionsFromTags, findTraces } from './trace-search.js';

/**
 * Jaeger's query API v1 (Jaeger v2.20 `http_handler.go`), which Jaeger UI and Grafana's Jaeger data source
 * call: services, operations, trace search and multi-get, trace by id, dependencies. Answers use Jaeger's
 * envelope; errors are the envelope with `data: null` and the HTTP status.
 */

const TAGS = ['jaeger'];
const DEFAULT_SEARCH_LIMIT = 100;
const DEFAULT_DEPENDENCY_LOOKBACK_MS = 24 * 3600 * 1000;
const TRACE_NOT_FOUND = 'trace not found';

const envelopeOf = <T extends z.ZodType>(data: T) => ({ 200: jaegerEnvelopeSchema(data) });

/** Outside callers (span roots, unidentified mesh callers) are not services in Jaeger's dependency graph. */
const NOT_A_PARENT = new Set(['user', 'unknown', '']);

function lowerKind(kind: string): string {
  return kind === 'Unspecified' ? '' : kind.toLowerCase();
}

export function jaegerRoutes(ctx: RouteContext): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.get(
      '/api/services',
      {
        schema: {
          tags: TAGS,
          summary: 'Services with stored spans',
          response: envelopeOf(z.array(z.string())),
        },
      },
      async () => {
        const services = await ctx.read.services();
        return jaegerResponse(services, services.length);
      },
    );

    app.get(
      '/api/services/:service/operations',
      {
        schema: {
          tags: TAGS,
          summary: 'Operation names of a service (all span kinds)',
          params: z.object({ service: z.string().min(1).max(1024) }),
          response: envelopeOf(z.array(z.string())),
        },
      },
      async (request) => {
        const operations = await ctx.read.operations(request.params.service);
        const names = [...new Set(operations.map((o) => o.name))];
        return jaegerResponse(names, names.length);
      },
    );

    app.get(
      '/api/operations',
      {
        schema: {
          tags: TAGS,
          summary: 'Operations of a service, with their span kind',
          querystring: z.object({ service: jaegerParam, spanKind: jaegerParam }),
          response: envelopeOf(z.array(jaegerOperationSchema)),
        },
      },
      async (request) => {
        const service = firstValue(request.query.service);
        if (!service) throw new ParamError('service', "parameter 'service' is required");
        const kind = parseSpanKindParam('spanKind', firstValue(request.query.spanKind));
        const operations = await ctx.read.operations(service, kind);
        const data = operations.map((o) => ({ name: o.name, spanKind: lowerKind(o.spanKind) }));
        return jaegerResponse(data, data.length);
      },
    );

    app.get(
      '/api/traces',
      {
        schema: {
          tags: TAGS,
          summary: 'Find traces (all conditions on one span) or fetch several by id',
          querystring: z.object({
            service: jaegerParam,
            operation: jaegerParam,
            tag: jaegerParam,
            tags: jaegerParam,
            start: jaegerParam,
            end: jaegerParam,
            minDuration: jaegerParam,
            maxDuration: jaegerParam,
            limit: jaegerParam,
            traceID: jaegerParam,
            raw: jaegerParam,
          }),
          response: envelopeOf(z.array(jaegerTraceSchema)),
        },
      },
      async (request) => {
        const q = request.query;
        const nowUs = ctx.nowMs() * 1000;
        const startUs =
          parseUnixMicrosParam('start', firstValue(q.start)) ??
          nowUs - ctx.config.traceSearchLookbackSec * 1e6;
        const endUs = parseUnixMicrosParam('end', firstValue(q.end)) ?? nowUs;
        parseBoolParam('raw', firstValue(q.raw));
        const ids = allValues(q.traceID).map((id) => parseTraceIdParam('traceID', id));
        if (ids.length > ctx.config.limits.maxTraceIds) {
          throw new ParamError('traceID', `at most ${ctx.config.limits.maxTraceIds} trace ids per request`);
        }
        if (ids.length > 0) {
          const unique = [...new Set(ids)];
          const traces = rowsInOrder(unique, await ctx.read.traces(unique));
          const found = new Set(traces.map((rows) => rows[0]?.TraceId));
          const errors: JaegerStructuredError[] = unique
            .filter((id) => !found.has(id))
            .map((traceID) => ({ msg: TRACE_NOT_FOUND, traceID }));
          return { ...jaegerResponse(traces.map(toJaegerTrace)), errors: errors.length > 0 ? errors : null };
        }

        const service = firstValue(q.service);
        if (!service) throw new ParamError('service', "parameter 'service' is required");
        const limit = parseLimitParam('limit', firstValue(q.limit)) ?? DEFAULT_SEARCH_LIMIT;
        if (startUs > endUs) throw new ParamError('start', 'start time must be before end time');
        const minNs = parseOptionalDuration('minDuration', firstValue(q.minDuration));
        const maxNs = parseOptionalDuration('maxDuration', firstValue(q.maxDuration));
        if (minNs && maxNs && maxNs < minNs) {
          throw new ParamError('maxDuration', "'maxDuration' should be greater than 'minDuration'");
        }
        const tags = parseJaegerTags({ tag: allValues(q.tag), tags: allValues(q.tags) });
        const endSec = endUs / 1e6 + 1e-6;
        const operation = firstValue(q.operation);
        const { ids: found, rows } = await findTraces(ctx.read, {
          startSec: Math.max(startUs / 1e6, endSec - ctx.config.limits.maxWindowSec),
          endSec,
          service,
          ...(operation ? { operation } : {}),
          ...conditionsFromTags(tags, 'tags'),
          ...(minNs ? { minDurationNs: Number(minNs) } : {}),
          ...(maxNs ? { maxDurationNs: Number(maxNs) } : {}),
          limit: Math.min(limit, ctx.config.limits.maxSearchTraces),
        });
        return jaegerResponse(rowsInOrder(found, rows).map(toJaegerTrace));
      },
    );

    app.get(
      '/api/traces/:traceID',
      {
        schema: {
          tags: TAGS,
          summary: 'One trace by id',
          params: z.object({ traceID: z.string().max(1024) }),
          querystring: z.object({ start: jaegerParam, end: jaegerParam, raw: jaegerParam }),
          response: envelopeOf(z.array(jaegerTraceSchema)),
        },
      },
      async (request) => {
        const id = parseTraceIdParam('traceID', request.params.traceID);
        const startUs = parseUnixMicrosParam('start', firstValue(request.query.start));
        const endUs = parseUnixMicrosParam('end', firstValue(request.query.end));
        if (startUs !== undefined && endUs !== undefined && startUs > endUs)
          throw new ParamError('start', 'start time must be before end time');
        parseBoolParam('raw', firstValue(request.query.raw));
        const rows = await ctx.read.trace(id, {
          ...(startUs !== undefined ? { startNs: BigInt(startUs) * 1000n } : {}),
          // the whole last microsecond: Jaeger's µs times are stored nanoseconds rounded down
          ...(endUs !== undefined ? { endNs: BigInt(endUs) * 1000n + 999n } : {}),
        });
        if (rows.length === 0) throw new NotFoundError(TRACE_NOT_FOUND);
        return jaegerResponse([toJaegerTrace(rows)]);
      },
    );

    app.get(
      '/api/dependencies',
      {
        schema: {
          tags: TAGS,
          summary: 'Service dependencies (callers, callees, call counts) from the edge rollups',
          querystring: z.object({ endTs: jaegerParam, lookback: jaegerParam, service: jaegerParam }),
          response: envelopeOf(z.array(jaegerDependencyLinkSchema)),
        },
      },
      async (request) => {
        const endMs = parseUnixMillisParam('endTs', firstValue(request.query.endTs)) ?? ctx.nowMs();
        const lookbackMs =
          parseMillisParam('lookback', firstValue(request.query.lookback)) ?? DEFAULT_DEPENDENCY_LOOKBACK_MS;
        const service = firstValue(request.query.service);
        if (lookbackMs <= 0) return jaegerResponse([]);
        const endSec = Math.ceil(endMs / 1000);
        const startSec = Math.max(
          Math.floor((endMs - lookbackMs) / 1000),
          endSec - ctx.config.limits.maxWindowSec,
        );
        const rows = await ctx.read.meshTraffic({
          startSec,
          endSec,
          level: 'service',
          bySource: true,
          byDest: true,
          latency: false,
          identities: false,
        });
        const links = new Map<string, JaegerDependencyLink>();
        for (const row of rows) {
          const parent = row.source.service;
          const child = row.dest.service;
          if (NOT_A_PARENT.has(parent) || row.requests <= 0) continue;
          if (service && parent !== service && child !== service) continue;
          const key = JSON.stringify([parent, child]);
          const link = links.get(key) ?? { parent, child, callCount: 0 };
          link.callCount += row.requests;
          links.set(key, link);
        }
        return jaegerResponse([...links.values()]);
      },
    );
    done();
  };
}

function parseOptionalDuration(param: string, raw: string | undefined): bigint | undefined {
  return raw === undefined || raw === '' ? undefined : parseDurationParamNs(param, raw);
}
