import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  context,
  defaultTextMapGetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { DEMO_NAMESPACE } from './mesh.js';

/**
 * "orders": a service outside the mesh (no agent), traced by the OpenTelemetry JS SDK, which keeps its
 * orders in a database-like peer. Its CLIENT spans carry db.system=postgresql, so the topology shows a
 * database node ("bookstore", its db.namespace) next to the mesh, and its SERVER spans pair with their callers by trace context.
 */
export interface OrdersService {
  readonly url: string;
  close(): Promise<void>;
}

/** A line protocol stand-in for PostgreSQL: every line is a query, every answer one line. */
async function startDatabase(): Promise<{ port: number; server: net.Server }> {
  const server = net.createServer((socket) => {
    socket.setEncoding('utf8');
    socket.on('data', () => socket.write('1 row\n'));
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

function queryDatabase(port: number, sql: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`${sql}\n`));
    socket.setEncoding('utf8');
    socket.setTimeout(2000, () => socket.destroy(new Error('database timeout')));
    socket.once('data', (answer: string) => {
      socket.end();
      resolve(answer.trim());
    });
    socket.once('error', reject);
  });
}

async function handle(tracer: Tracer, dbPort: number, req: http.IncomingMessage, res: http.ServerResponse) {
  const parent = new W3CTraceContextPropagator().extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
  const server = tracer.startSpan(
    'GET /orders/{id}',
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/orders/{id}',
        'url.path': req.url ?? '/',
        'server.address': `orders.${DEMO_NAMESPACE}.svc.cluster.local`,
      },
    },
    parent,
  );
  const sql = 'SELECT id, status FROM orders WHERE book_id = $1';
  const db = tracer.startSpan(
    'SELECT bookstore.orders',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system': 'postgresql',
        'db.system.name': 'postgresql',
        // the database is "bookstore" (its table is orders): the node must not share the service's name
        'db.namespace': 'bookstore',
        'db.operation.name': 'SELECT',
        'db.collection.name': 'orders',
        'db.query.text': sql,
        'server.address': 'orders-db',
        'server.port': 5432,
      },
    },
    trace.setSpan(context.active(), server),
  );
  let status = 200;
  try {
    await queryDatabase(dbPort, sql);
  } catch (err) {
    status = 500;
    db.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
  }
  db.end();
  server.setAttribute('http.response.status_code', status);
  if (status >= 500) server.setStatus({ code: SpanStatusCode.ERROR });
  server.end();
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ orders: [] }));
}

export async function startOrders(collectorUrl: string): Promise<OrdersService> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'orders',
      'service.namespace': DEMO_NAMESPACE,
      'service.version': 'v1',
    }),
    sampler: new AlwaysOnSampler(),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${collectorUrl}/v1/traces` }),
        scheduledDelayMillis: 1000,
      }),
    ],
  });
  const tracer = provider.getTracer('meshscope-demo-orders');
  const db = await startDatabase();
  const server = http.createServer((req, res) => {
    handle(tracer, db.port, req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => db.server.close(() => resolve()));
      await provider.shutdown();
    },
  };
}
