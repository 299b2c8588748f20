import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../http/errors.js';
import {
  apiV3OperationsResponseSchema,
  apiV3ServicesResponseSchema,
  apiV3TracesResponseSchema,
  toApiV3TracesResponse,
} from '../jaeger/otlp-json.js';
import { parseDurationParamNs } from '../params/duration.js';
import { ParamError } from '../params/errors.js';
import { parseJaegerTags } from '../params/tags.js';
import {
  parseBoolParam,
  parseLimitParam,
  parseRfc3339NanoParam,
  parseSpanKindParam,
} from '../params/time.js';
import { parseTraceIdParam } from '../params/trace-id.js';
import { firstValue, jaegerParam, rowsInOrder, type RouteContext } from './context.js';
import { conditionsFromTags, findTraces } from './trace-search.js';

/**
 * Jaeger's api_v3 over HTTP (grpc-gateway JSON, `apiv3/http_gateway.go`), which current Jaeger UI uses:
 * OTLP JSON traces under `result`, errors as `{error: {httpCode, message}}`. Query parameters are the proto
 * field paths (`query.service_name`); the camelCase JSON names grpc-gateway also accepts work too.
 */

const TAGS = ['jaeger api_v3'];
const DEFAULT_SEARCH_DEPTH = 20;
const NS_PER_SEC = 1_000_000_000n;

const findQuery = z.object({
  'query.service_name': jaegerParam,
  'query.serviceName': jaegerParam,
  'query.operation_name': jaegerParam,
  'query.operationName': jaegerParam,
  'query.start_time_min': jaegerParam,
  'query.startTimeMin': jaegerParam,
  'query.start_time_max': jaegerParam,
  'query.startTimeMax': jaegerParam,
  'query.duration_min': jaegerParam,
  'query.durationMin': jaegerParam,
  'query.duration_max': jaegerParam,
  'query.durationMax': jaegerParam,
  'query.search_depth': jaegerParam,
  'query.searchDepth': jaegerParam,
  'query.num_traces': jaegerParam,
  /** a JSON object of strings, all on one span (Jaeger's gateway ignores it; we apply it) */
  'query.attributes': jaegerParam,
  'query.raw_traces': jaegerParam,
});
type FindQuery = z.infer<typeof findQuery>;

/** The value under the proto name, else under its JSON (camelCase) alias, with the name it came from. */
function pick(q: FindQuery, proto: keyof FindQuery, json?: keyof FindQuery): [string, string | undefined] {
  const value = firstValue(q[proto]);
  if (value !== undefined || json === undefined) return [proto, value];
  return [json, firstValue(q[json])];
}

function v3Duration(param: string, raw: string | undefined): number | undefined {
  return raw === undefined || raw === '' ? undefined : Number(parseDurationParamNs(param, raw));
}

export function jaegerV3Routes(ctx: RouteContext): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.get(
      '/api/v3/services',
      { schema: { tags: TAGS, summary: 'Services', response: { 200: apiV3ServicesResponseSchema } } },
      async () => ({ services: await ctx.read.services() }),
    );

    app.get(
      '/api/v3/operations',
      {
        schema: {
          tags: TAGS,
          summary: 'Operations of a service',
          querystring: z.object({ service: jaegerParam, span_kind: jaegerParam }),
          response: { 200: apiV3OperationsResponseSchema },
        },
      },
      async (request) => {
        const service = firstValue(request.query.service);
        if (!service) throw new ParamError('service', 'is required');
        const kind = parseSpanKindParam('span_kind', firstValue(request.query.span_kind));
        const operations = await ctx.read.operations(service, kind);
        return {
          operations: operations.map((o) => ({
            name: o.name,
            // As Jaeger's gateway: an operation without a kind is reported as internal.
            spanKind:
              o.spanKind === 'Unspecified' || o.spanKind === '' ? 'internal' : o.spanKind.toLowerCase(),
          })),
        };
      },
    );

    app.get(
      '/api/v3/traces',
      {
        schema: {
          tags: TAGS,
          summary: 'Find traces (OTLP JSON)',
          querystring: findQuery,
          response: { 200: apiV3TracesResponseSchema },
        },
      },
      async (request) => {
        const q = request.query;
        const [minName, minRaw] = pick(q, 'query.start_time_min', 'query.startTimeMin');
        const [maxName, maxRaw] = pick(q, 'query.start_time_max', 'query.startTimeMax');
        if (!minRaw || !maxRaw) {
          throw new ParamError(
            minRaw ? 'query.start_time_max' : 'query.start_time_min',
            'query.start_time_min and query.start_time_max are required',
          );
        }
        const minNs = parseRfc3339NanoParam(minName, minRaw) ?? 0n;
        const maxNs = parseRfc3339NanoParam(maxName, maxRaw) ?? 0n;
        if (minNs > maxNs) throw new ParamError(minName, 'must not be after query.start_time_max');
        const [depthName, depthRaw] = pick(q, 'query.search_depth', 'query.searchDepth');
        const depth =
          parseLimitParam(depthName, depthRaw) ??
          parseLimitParam('query.num_traces', firstValue(q['query.num_traces'])) ??
          DEFAULT_SEARCH_DEPTH;
        const [, service] = pick(q, 'query.service_name', 'query.serviceName');
        const [, operation] = pick(q, 'query.operation_name', 'query.operationName');
        const durationMin = v3Duration(...pick(q, 'query.duration_min', 'query.durationMin'));
        const durationMax = v3Duration(...pick(q, 'query.duration_max', 'query.durationMax'));
        parseBoolParam('query.raw_traces', firstValue(q['query.raw_traces']));
        const attributesJson = firstValue(q['query.attributes']);
        const tags = attributesJson ? parseJaegerTags({ tags: [attributesJson] }) : {};
        const endSec = Number(maxNs / NS_PER_SEC) + Number(maxNs % NS_PER_SEC) / 1e9 + 1e-9;
        const startSec = Number(minNs / NS_PER_SEC) + Number(minNs % NS_PER_SEC) / 1e9;
        const { ids, rows } = await findTraces(ctx.read, {
          startSec: Math.max(startSec, endSec - ctx.config.limits.maxWindowSec),
          endSec,
          ...(service ? { service } : {}),
          ...(operation ? { operation } : {}),
          ...conditionsFromTags(tags, 'query.attributes'),
          ...(durationMin ? { minDurationNs: durationMin } : {}),
          ...(durationMax ? { maxDurationNs: durationMax } : {}),
          limit: Math.min(depth, ctx.config.limits.maxSearchTraces),
        });
        if (ids.length === 0) throw new NotFoundError('No traces found');
        return toApiV3TracesResponse(rowsInOrder(ids, rows).flat());
      },
    );

    app.get(
      '/api/v3/traces/:trace_id',
      {
        schema: {
          tags: TAGS,
          summary: 'One trace by id (OTLP JSON)',
          params: z.object({ trace_id: z.string().max(1024) }),
          querystring: z.object({ start_time: jaegerParam, end_time: jaegerParam, raw_traces: jaegerParam }),
          response: { 200: apiV3TracesResponseSchema },
        },
      },
      async (request) => {
        const id = parseTraceIdParam('trace_id', request.params.trace_id);
        const startNs = parseRfc3339NanoParam('start_time', firstValue(request.query.start_time));
        const endNs = parseRfc3339NanoParam('end_time', firstValue(request.query.end_time));
        if (startNs !== undefined && endNs !== undefined && startNs > endNs)
          throw new ParamError('start_time', 'must not be after end_time');
        parseBoolParam('raw_traces', firstValue(request.query.raw_traces));
        const rows = await ctx.read.trace(id, {
          ...(startNs !== undefined ? { startNs } : {}),
          ...(endNs !== undefined ? { endNs } : {}),
        });
        if (rows.length === 0) throw new NotFoundError('No traces found');
        return toApiV3TracesResponse(rows);
      },
    );
    done();
  };
}
