import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startClickHouseHttpShim,
  startMeshscopeProcess,
  type ClickHouseHttpShim,
  type MeshscopeProcess,
} from '../src/index.js';

/**
 * The server-mode deployment, as deploy/ runs it: `meshscope collector` and `meshscope query` as separate
 * processes against a ClickHouse server (here the HTTP shim on chDB, with a password, since the Debian
 * ClickHouse server is too old for the schema). A trace from the OpenTelemetry SDK goes in through the
 * collector and comes out of the query process's Jaeger API; the password reaches both only through the
 * environment and appears in neither's log.
 */

const PASSWORD = 'query-s3cret';
let dir: string;
let shim: ClickHouseHttpShim;
const children: MeshscopeProcess[] = [];
let otlpHttp = '';
let api = '';

const env = { CLICKHOUSE_USER: 'meshscope', CLICKHOUSE_PASSWORD: PASSWORD };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshscope-query-server-'));
  shim = await startClickHouseHttpShim({
    dataDir: join(dir, 'chdb'),
    user: 'meshscope',
    password: PASSWORD,
  });
  const collector = await startMeshscopeProcess(
    'collector',
    ['--clickhouse-url', shim.url, '--data-dir', join(dir, 'collector')],
    (e) => (e.msg === 'collector listening' && typeof e.otlpHttp === 'string' ? e.otlpHttp : undefined),
    60_000,
    { ...env, MESHSCOPE_OTLP_HTTP_PORT: '0', MESHSCOPE_OTLP_GRPC_PORT: '0', MESHSCOPE_BATCH_FLUSH_MS: '20' },
  );
  children.push(collector.process);
  otlpHttp = collector.ready;
  const query = await startMeshscopeProcess(
    'query',
    ['--clickhouse-url', shim.url, '--query-port', '0', '--no-alert-evaluator'],
    (e) => (e.msg === 'query service listening' && typeof e.url === 'string' ? e.url : undefined),
    60_000,
    env,
  );
  children.push(query.process);
  api = query.ready;
}, 120_000);

afterAll(async () => {
  await Promise.all(children.map((c) => c.stop('SIGTERM')));
  await shim?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function getJson<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${api}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as T };
}

interface JaegerTrace {
  traceID: string;
  spans: Array<{ spanID: string; operationName: string; references: Array<{ spanID: string }> }>;
  processes: Record<string, { serviceName: string }>;
}

describe('meshscope collector + meshscope query against a ClickHouse server', () => {
  it('answers a trace the SDK sent through the collector, on the Jaeger API', async () => {
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout', 'k8s.namespace.name': 'shop' }),
      spanProcessors: [
        new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${otlpHttp}/v1/traces` }) }),
      ],
    });
    const tracer = provider.getTracer('server-mode');
    const root = tracer.startSpan('POST /checkout', { kind: SpanKind.SERVER });
    const traceId = root.spanContext().traceId;
    const child = tracer.startSpan(
      'SELECT orders',
      { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql' } },
      trace.setSpan(context.active(), root),
    );
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock' });
    child.end();
    root.end();
    await provider.forceFlush();
    await provider.shutdown();

    // acknowledged means stored; the query process reads it from the server
    const services = await getJson<{ data: string[] }>('/api/services');
    expect(services.status).toBe(200);
    expect(services.body.data).toContain('checkout');
    const got = await getJson<{ data: JaegerTrace[] }>(`/api/traces/${traceId}`);
    expect(got.status).toBe(200);
    const [t] = got.body.data;
    expect(t?.traceID).toBe(traceId);
    expect(t?.spans.map((s) => s.operationName).sort()).toEqual(['POST /checkout', 'SELECT orders']);
    const dbSpan = t?.spans.find((s) => s.operationName === 'SELECT orders');
    expect(dbSpan?.references.map((r) => r.spanID)).toEqual([root.spanContext().spanId]);
    expect(Object.values(t?.processes ?? {}).map((p) => p.serviceName)).toEqual(['checkout']);

    const unknown = await getJson<{ errors: Array<{ code: number }> }>(`/api/traces/${'ab'.repeat(16)}`);
    expect(unknown.status).toBe(404);
  });

  it('serves the mesh API from the same server (golden signals of the SDK service)', async () => {
    const { status, body } = await getJson<{
      services: Array<{ name: string; requests: number; source: string }>;
    }>('/api/mesh/services');
    expect(status).toBe(200);
    expect(body.services.find((s) => s.name === 'checkout')).toMatchObject({ requests: 1, source: 'spans' });
  });

  it('never writes the ClickHouse password to either log', () => {
    for (const child of children) expect(child.output()).not.toContain(PASSWORD);
  });
});
