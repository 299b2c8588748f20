import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ReadApi } from '@meshscope/collector';

/** The query service's own Prometheus metrics, on a registry of its own (never the global one). */
export interface QueryMetrics {
  readonly registry: Registry;
  /** labels: method, route (the route pattern, or 'not_found'), status_code */
  readonly requests: Counter<'method' | 'route' | 'status_code'>;
  /** labels: method, route */
  readonly requestDuration: Histogram<'method' | 'route'>;
  /** ClickHouse read latency. labels: operation (read method), outcome = ok | error */
  readonly storageDuration: Histogram<'operation' | 'outcome'>;
}

export function createQueryMetrics(registry = new Registry()): QueryMetrics {
  collectDefaultMetrics({ register: registry, prefix: 'meshscope_query_' });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'meshscope_query_http_requests_total',
      help: 'HTTP requests answered, by route and status.',
      labelNames: ['method', 'route', 'status_code'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'meshscope_query_http_request_duration_seconds',
      help: 'HTTP request latency, from arrival to the last byte sent.',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    storageDuration: new Histogram({
      name: 'meshscope_query_storage_query_duration_seconds',
      help: 'ClickHouse read latency per read-API operation.',
      labelNames: ['operation', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10, 20],
      registers,
    }),
  };
}

/** Counts and times every response under its route pattern (never the raw URL: bounded label values). */
export function installHttpMetrics(app: FastifyInstance, metrics: QueryMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'not_found';
    const labels = { method: request.method, route };
    metrics.requests.inc({ ...labels, status_code: String(reply.statusCode) });
    metrics.requestDuration.observe(labels, reply.elapsedTime / 1000);
  });
}

/**
 * The read API with every asynchronous method timed. Methods are called on the real instance (its private
 * fields are not reachable through a proxy), and the proxy keeps the type, so callers cannot tell.
 */
export function instrumentReads(read: ReadApi, metrics: QueryMetrics): ReadApi {
  return new Proxy(read, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]): unknown => {
        const result = method.apply(target, args);
        if (!(result instanceof Promise)) return result;
        const end = metrics.storageDuration.startTimer({ operation: property });
        return result.then(
          (value: unknown) => {
            end({ outcome: 'ok' });
            return value;
          },
          (error: unknown) => {
            end({ outcome: 'error' });
            throw error;
          },
        );
      };
    },
  });
}
