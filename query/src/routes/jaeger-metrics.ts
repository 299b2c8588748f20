import type { RedPoint, SpanKindName } from '@meshscope/collector';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { jaegerEnvelopeSchema, jaegerMetricFamilySchema, jaegerResponse } from '../jaeger/model.js';
import { ParamError } from '../params/errors.js';
import {
  parseBoolParam,
  parseMillisParam,
  parseQuantileParam,
  parseSpanKindParam,
  parseUnixMillisParam,
} from '../params/time.js';
import { metricFamily, type SpmMetric, type SpmQuery, type SpmRow } from '../spm/metric-family.js';
import { allValues, firstValue, jaegerParam, type RouteContext } from './context.js';

/**
 * Jaeger's Service Performance Monitoring API, so Jaeger UI's Monitor tab works: MetricFamily JSON (not in
 * the envelope), from the span RED rollups. Spans exported by agents and by the app's own SDK describe the
 * same requests, so per (service, span kind) the SDK's spans are used when there are any, else the agents'.
 */

const TAGS = ['jaeger'];
const MINUTE_MS = 60_000;
/** Jaeger's defaults (`http_handler.go`, `query_parser.go`). */
const DEFAULT_LOOKBACK_MS = 3600_000;
const DEFAULT_STEP_MS = 5_000;
const DEFAULT_RATE_PER_MS = 600_000;

const metricsQuery = z.object({
  service: jaegerParam,
  groupByOperation: jaegerParam,
  endTs: jaegerParam,
  lookback: jaegerParam,
  step: jaegerParam,
  ratePer: jaegerParam,
  spanKind: jaegerParam,
  quantile: jaegerParam,
});
type MetricsQuery = z.infer<typeof metricsQuery>;

/** Keep, per (service, kind), the SDK's rows when it has any, else the agents'. */
export function preferSdkRows(sdk: readonly RedPoint[], agent: readonly RedPoint[]): RedPoint[] {
  const sdkKinds = new Set(sdk.map((r) => `${r.service}\u0000${r.spanKind}`));
  return [...sdk, ...agent.filter((r) => !sdkKinds.has(`${r.service}\u0000${r.spanKind}`))];
}

/** Rows of several kinds in one (minute, service, operation) added up. */
function sumKinds(rows: readonly RedPoint[]): SpmRow[] {
  const out = new Map<string, SpmRow>();
  for (const r of rows) {
    const key = JSON.stringify([r.timeSec, r.service, r.operation]);
    const into = out.get(key);
    if (!into) out.set(key, { ...r, bucketsLe: [...r.bucketsLe] });
    else {
      into.requests += r.requests;
      into.errors += r.errors;
      into.bucketsLe = into.bucketsLe.map((n, i) => n + (r.bucketsLe[i] ?? 0));
    }
  }
  return [...out.values()];
}

function parseQuery(
  ctx: RouteContext,
  metric: SpmMetric,
  q: MetricsQuery,
): { spm: SpmQuery; services: string[]; kinds: SpanKindName[] } {
  const services = allValues(q.service).filter((s) => s !== '');
  if (services.length === 0) throw new ParamError('service', 'please provide at least one service name');
  const quantile = parseQuantileParam('quantile', firstValue(q.quantile));
  if (metric === 'latencies' && quantile === undefined) {
    throw new ParamError('quantile', 'is required for latencies (e.g. quantile=0.95)');
  }
  const kinds = allValues(q.spanKind).map((k) => parseSpanKindParam('spanKind', k) ?? 'Server');
  const spm: SpmQuery = {
    metric,
    groupByOperation: parseBoolParam('groupByOperation', firstValue(q.groupByOperation)) ?? false,
    endMs: parseUnixMillisParam('endTs', firstValue(q.endTs)) ?? ctx.nowMs(),
    lookbackMs: parseMillisParam('lookback', firstValue(q.lookback)) ?? DEFAULT_LOOKBACK_MS,
    stepMs: parseMillisParam('step', firstValue(q.step)) ?? DEFAULT_STEP_MS,
    ratePerMs: parseMillisParam('ratePer', firstValue(q.ratePer)) ?? DEFAULT_RATE_PER_MS,
    quantile: quantile ?? 0.95,
  };
  if (spm.stepMs <= 0) throw new ParamError('step', 'must be greater than 0');
  if (spm.ratePerMs <= 0) throw new ParamError('ratePer', 'must be greater than 0');
  if (spm.lookbackMs > ctx.config.limits.maxWindowSec * 1000) {
    throw new ParamError('lookback', `at most ${ctx.config.limits.maxWindowSec * 1000} ms`);
  }
  if (spm.lookbackMs / spm.stepMs + 1 > ctx.config.limits.maxPoints) {
    throw new ParamError('step', `too small for the lookback: at most ${ctx.config.limits.maxPoints} points`);
  }
  return { spm, services, kinds: kinds.length > 0 ? kinds : ['Server'] };
}

export function jaegerMetricsRoutes(ctx: RouteContext): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    for (const metric of ['latencies', 'calls', 'errors'] as const) {
      app.get(
        `/api/metrics/${metric}`,
        {
          schema: {
            tags: TAGS,
            summary: `Jaeger SPM ${metric} (MetricFamily JSON)`,
            querystring: metricsQuery,
            response: { 200: jaegerMetricFamilySchema },
          },
        },
        async (request) => {
          const { spm, services, kinds } = parseQuery(ctx, metric, request.query);
          // The trailing rate window of the first step reaches back before the lookback.
          const startSec = Math.floor((spm.endMs - spm.lookbackMs - spm.ratePerMs) / MINUTE_MS) * 60;
          const endSec = Math.ceil(spm.endMs / MINUTE_MS) * 60;
          const base = {
            startSec,
            endSec: Math.max(endSec, startSec + 60),
            stepSec: 60,
            groupBy: spm.groupByOperation
              ? (['service', 'operation', 'kind'] as const)
              : (['service', 'kind'] as const),
            services,
            spanKinds: kinds,
          };
          const [sdk, agent] = await Promise.all([
            ctx.read.red({ ...base, fromAgent: false }),
            ctx.read.red({ ...base, fromAgent: true }),
          ]);
          return metricFamily(spm, sumKinds(preferSdkRows(sdk, agent)));
        },
      );
    }

    app.get(
      '/api/metrics/minstep',
      {
        schema: {
          tags: TAGS,
          summary: 'Smallest step between metric points, ms (the rollups are per minute)',
          response: { 200: jaegerEnvelopeSchema(z.number().int()) },
        },
      },
      () => jaegerResponse(MINUTE_MS),
    );
    done();
  };
}
