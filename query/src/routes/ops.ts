import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { QueryMetrics } from '../http/metrics.js';
import type { RouteContext } from './context.js';

/** Liveness, readiness (ClickHouse answers) and Prometheus metrics; outside /api, so never behind tokens. */

const TAGS = ['operations'];
const statusSchema = z.object({ status: z.string(), reason: z.string().optional() });

export function opsRoutes(ctx: RouteContext, metrics: QueryMetrics): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.get(
      '/healthz',
      { schema: { tags: TAGS, summary: 'The process is up', response: { 200: statusSchema } } },
      () => ({ status: 'ok' }),
    );

    app.get(
      '/readyz',
      {
        schema: {
          tags: TAGS,
          summary: 'Ready to answer: the storage responds',
          response: { 200: statusSchema, 503: statusSchema },
        },
      },
      async (request, reply) => {
        try {
          await ctx.read.ping();
          return { status: 'ready' };
        } catch (error) {
          request.log.warn({ err: error }, 'not ready: storage does not answer');
          return reply
            .code(503)
            .send({ status: 'unavailable', reason: 'the storage (ClickHouse) does not answer' });
        }
      },
    );

    app.get(
      '/metrics',
      { schema: { tags: TAGS, summary: 'Prometheus metrics of this service' } },
      async (_request, reply) => {
        const text = await metrics.registry.metrics();
        return reply.type(metrics.registry.contentType).send(text);
      },
    );
    done();
  };
}
