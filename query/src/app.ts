import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { ReadApi, queryLimitsSchema, type QueryLimits, type StorageClient } from '@meshscope/collector';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { createAlerting } from './alerts/runtime.js';
import { queryConfigSchema, type QueryConfig } from './config.js';
import { compileHealthPolicy } from './health/health.js';
import { installAuth } from './http/auth.js';
import { installErrorHandlers } from './http/errors.js';
import {
  createQueryMetrics,
  installHttpMetrics,
  instrumentReads,
  type QueryMetrics,
} from './http/metrics.js';
import { hasUi, registerStaticUi, spaFallback } from './http/static-ui.js';
import { DataStart } from './mesh/data-start.js';
import type { RouteContext } from './routes/context.js';
import { jaegerRoutes } from './routes/jaeger.js';
import { jaegerMetricsRoutes } from './routes/jaeger-metrics.js';
import { jaegerV3Routes } from './routes/jaeger-v3.js';
import { meshAlertRoutes } from './routes/mesh-alerts.js';
import { meshServiceRoutes } from './routes/mesh-services.js';
import { meshTopologyRoutes } from './routes/mesh-topology.js';
import { meshTraceRoutes } from './routes/mesh-traces.js';
import { opsRoutes } from './routes/ops.js';

export interface QueryAppDeps {
  /** where answers come from: a read API, or a storage client to build one on (with `queryLimits`) */
  storage: ReadApi | StorageClient;
  /** ClickHouse bounds for a read API built here (default: the storage configuration's defaults) */
  queryLimits?: QueryLimits;
  /** parsed configuration (default: every default) */
  config?: QueryConfig;
  /** pino (or any Fastify) logger; none: silent */
  logger?: FastifyBaseLogger;
  /** the built UI to serve; default config.uiDir; nothing is served when it holds no index.html */
  uiDir?: string;
  metrics?: QueryMetrics;
  /** the clock, unix ms (tests pin it) */
  now?: () => number;
}

const API_TITLE = 'meshscope query API';

/** Builds the query service (not listening): routes, validation, errors, auth, metrics, docs, UI. */
export async function buildApp(deps: QueryAppDeps): Promise<FastifyInstance> {
  const config = deps.config ?? queryConfigSchema.parse(undefined);
  const metrics = deps.metrics ?? createQueryMetrics();
  const read =
    deps.storage instanceof ReadApi
      ? deps.storage
      : new ReadApi(deps.storage, deps.queryLimits ?? queryLimitsSchema.parse({}));
  const nowMs = deps.now ?? Date.now;
  const reads = instrumentReads(read, metrics);
  const ctx: RouteContext = {
    read: reads,
    config,
    policy: compileHealthPolicy(config.health),
    nowMs,
    dataStart: new DataStart(() => reads.dataStartSec(), nowMs),
  };
  const uiDir = deps.uiDir ?? config.uiDir;

  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    routerOptions: { maxParamLength: 1024 },
    bodyLimit: 1024 * 1024,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app, hasUi(uiDir) ? spaFallback : undefined);
  installAuth(app, config.tokens);
  installHttpMetrics(app, metrics);

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: API_TITLE,
        version: '0.1.0',
        description:
          'Golden signals, topology, traces and critical paths of a service mesh (`/api/mesh/*`), and the ' +
          'Jaeger query API (v1 and api_v3) for Jaeger UI and Grafana.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });

  const typed = app.withTypeProvider<ZodTypeProvider>();
  await typed.register(opsRoutes(ctx, metrics));
  await typed.register(jaegerRoutes(ctx));
  await typed.register(jaegerMetricsRoutes(ctx));
  await typed.register(jaegerV3Routes(ctx));
  await typed.register(meshServiceRoutes(ctx));
  await typed.register(meshTopologyRoutes(ctx));
  await typed.register(meshTraceRoutes(ctx));
  // Alerting keeps its rules and state in ClickHouse, so it needs the storage client, not only a read API.
  if (!(deps.storage instanceof ReadApi)) {
    const alerting = await createAlerting({
      storage: deps.storage,
      read,
      config: config.alerts,
      now: ctx.nowMs,
      log: deps.logger,
    });
    await typed.register(meshAlertRoutes(ctx, alerting));
    app.addHook('onReady', (done) => {
      alerting.start();
      done();
    });
    app.addHook('onClose', () => alerting.close());
  }
  if (hasUi(uiDir)) await registerStaticUi(app, uiDir);
  return app;
}
