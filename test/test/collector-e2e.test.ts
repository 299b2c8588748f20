import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  collectorConfigSchema,
  createStorageClient,
  migrate,
  ReadApi,
  startCollector,
  storageConfigSchema,
  type CollectorHandle,
  type SpanRow,
  type StorageClient,
} from '@meshscope/collector';
import {
  createTraceState,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type HrTime,
  type SpanContext,
} from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRpcStatus, postRaw } from '../src/fixtures/otlp-wire.js';

/**
 * The collector as users run it (startCollector: both receivers, writer, spool) on real ClickHouse (embedded
 * chDB, or CLICKHOUSE_URL), fed by the OpenTelemetry JS SDK's own exporters over real sockets. What is
 * acknowledged must be in otel_traces exactly as the SDK sent it.
 */
const MiB = 1024 * 1024;
const LIMITS = { maxBodyBytes: 2 * MiB, maxDecompressedBytes: 8 * MiB };
const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };

let dir: string;
let storage: StorageClient;
let dropDatabase: string | undefined;
let collector: CollectorHandle;
let read: ReadApi;
let httpUrl: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshscope-collector-e2e-'));
  const url = process.env.CLICKHOUSE_URL;
  const storageConfig = storageConfigSchema.parse({
    dataDir: join(dir, 'chdb'),
    ...(url ? { url, database: `meshscope_e2e_${process.pid}` } : {}),
  });
  dropDatabase = url ? storageConfig.database : undefined;
  storage = await createStorageClient(storageConfig);
  await migrate(storage, storageConfig.retention);
  read = new ReadApi(storage, storageConfig.queryLimits);
  const config = collectorConfigSchema.parse({
    httpPort: 0,
    grpcPort: 0,
    spool: { dir: join(dir, 'spool') },
    batch: { flushIntervalMs: 50 },
    ...LIMITS,
  });
  collector = await startCollector(config, storage, pino({ level: 'silent' }), { spanPairing: false });
  httpUrl = `http://127.0.0.1:${collector.ports.http}`;
});

afterAll(async () => {
  await collector?.close(1000);
  if (dropDatabase) await storage.client.command({ query: `DROP DATABASE IF EXISTS \`${dropDatabase}\`` });
  await storage?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const hr = (ns: bigint): HrTime => [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
const MS = 1_000_000n;

/** An exporter that remembers what each export answered (the SDK's processors only log failures). */
function tapped(exporter: SpanExporter): SpanExporter & { results: number[] } {
  const results: number[] = [];
  return {
    results,
    export: (spans, done) =>
      exporter.export(spans, (result) => {
        results.push(result.code);
        done(result);
      }),
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

interface SentTrace {
  traceId: string;
  expected: SpanRow[];
}

/**
 * A checkout request as an instrumented service records it: a SERVER span continuing a remote parent
 * (with tracestate), a CLIENT call that fails and links to an earlier attempt, and INTERNAL, PRODUCER and
 * CONSUMER spans; attributes of every type, events and links, all with explicit nanosecond times. Returns
 * the rows otel_traces must hold afterwards, spelled out by hand.
 */
function recordCheckout(provider: TracerProvider, service: string): SentTrace {
  const tracer = provider.getTracer('checkout-lib', '2.0.1');
  const base = BigInt(Date.now() - 120_000) * MS + 123_457n;
  const traceId = randomBytes(16).toString('hex');
  const remoteParent: SpanContext = {
    traceId,
    spanId: randomBytes(8).toString('hex'),
    traceFlags: TraceFlags.SAMPLED,
    traceState: createTraceState('vendor=abc,other=x'),
    isRemote: true,
  };
  const earlierAttempt: SpanContext = {
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    traceFlags: TraceFlags.SAMPLED,
    traceState: createTraceState('retry=1'),
  };

  const server = tracer.startSpan(
    'GET /cart',
    {
      kind: SpanKind.SERVER,
      startTime: hr(base),
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/cart',
        'http.response.status_code': 200,
        'cart.fill_ratio': 0.25,
        'cache.hit': false,
        'cart.tags': ['gift', 'express'],
        'cart.item_ids': [7, 11],
        'customer.note': 'ünïcödé ☃ "quoted"',
      },
    },
    trace.setSpanContext(ROOT_CONTEXT, remoteParent),
  );
  server.addEvent('cache.miss', { 'cache.key': 'cart:42', 'cache.ttl_sec': 30 }, hr(base + 1_234_567n));
  const inServer = trace.setSpan(ROOT_CONTEXT, server);

  const client = tracer.startSpan(
    'SELECT carts',
    {
      kind: SpanKind.CLIENT,
      startTime: hr(base + 2n * MS),
      attributes: { 'db.system': 'postgresql', 'server.port': 5432 },
      links: [{ context: earlierAttempt, attributes: { 'link.reason': 'retry-of' } }],
    },
    inServer,
  );
  client.addEvent('retry', { attempt: 2 }, hr(base + 3n * MS + 1n));
  client.setStatus({ code: SpanStatusCode.ERROR, message: 'deadline exceeded' });
  client.end(hr(base + 9n * MS + 999n));

  const render = tracer.startSpan(
    'render cart',
    { kind: SpanKind.INTERNAL, startTime: hr(base + 10n * MS) },
    inServer,
  );
  render.end(hr(base + 10n * MS + 1n));
  const publish = tracer.startSpan(
    'cart.updated publish',
    { kind: SpanKind.PRODUCER, startTime: hr(base + 11n * MS) },
    inServer,
  );
  const consume = tracer.startSpan(
    'cart.updated process',
    { kind: SpanKind.CONSUMER, startTime: hr(base + 12n * MS) },
    trace.setSpan(ROOT_CONTEXT, publish),
  );
  publish.end(hr(base + 12n * MS));
  consume.end(hr(base + 15n * MS));
  server.setStatus({ code: SpanStatusCode.OK });
  server.end(hr(base + 20n * MS + 7n));

  const resource = { 'service.name': service, 'service.version': 'v3', 'k8s.namespace.name': 'shop' };
  const row = (
    span: typeof server,
    fields: Partial<SpanRow> & Pick<SpanRow, 'SpanName' | 'SpanKind' | 'Timestamp' | 'Duration'>,
  ): SpanRow => ({
    TraceId: traceId,
    SpanId: span.spanContext().spanId,
    ParentSpanId: server.spanContext().spanId,
    TraceState: 'vendor=abc,other=x',
    ServiceName: service,
    ResourceAttributes: resource,
    ScopeName: 'checkout-lib',
    ScopeVersion: '2.0.1',
    SpanAttributes: {},
    StatusCode: 'Unset',
    StatusMessage: '',
    'Events.Timestamp': [],
    'Events.Name': [],
    'Events.Attributes': [],
    'Links.TraceId': [],
    'Links.SpanId': [],
    'Links.TraceState': [],
    'Links.Attributes': [],
    ...fields,
  });
  const expected: SpanRow[] = [
    row(server, {
      Timestamp: base.toString(),
      SpanName: 'GET /cart',
      SpanKind: 'Server',
      ParentSpanId: remoteParent.spanId,
      SpanAttributes: {
        'http.request.method': 'GET',
        'http.route': '/cart',
        'http.response.status_code': '200',
        'cart.fill_ratio': '0.25',
        'cache.hit': 'false',
        'cart.tags': '["gift","express"]',
        'cart.item_ids': '[7,11]',
        'customer.note': 'ünïcödé ☃ "quoted"',
      },
      Duration: 20_000_007,
      StatusCode: 'Ok',
      'Events.Timestamp': [(base + 1_234_567n).toString()],
      'Events.Name': ['cache.miss'],
      'Events.Attributes': [{ 'cache.key': 'cart:42', 'cache.ttl_sec': '30' }],
    }),
    row(client, {
      Timestamp: (base + 2n * MS).toString(),
      SpanName: 'SELECT carts',
      SpanKind: 'Client',
      SpanAttributes: { 'db.system': 'postgresql', 'server.port': '5432' },
      Duration: 7_000_999,
      StatusCode: 'Error',
      StatusMessage: 'deadline exceeded',
      'Events.Timestamp': [(base + 3n * MS + 1n).toString()],
      'Events.Name': ['retry'],
      'Events.Attributes': [{ attempt: '2' }],
      'Links.TraceId': [earlierAttempt.traceId],
      'Links.SpanId': [earlierAttempt.spanId],
      'Links.TraceState': ['retry=1'],
      'Links.Attributes': [{ 'link.reason': 'retry-of' }],
    }),
    row(render, {
      Timestamp: (base + 10n * MS).toString(),
      SpanName: 'render cart',
      SpanKind: 'Internal',
      Duration: 1,
    }),
    row(publish, {
      Timestamp: (base + 11n * MS).toString(),
      SpanName: 'cart.updated publish',
      SpanKind: 'Producer',
      Duration: 1_000_000,
    }),
    row(consume, {
      Timestamp: (base + 12n * MS).toString(),
      SpanName: 'cart.updated process',
      SpanKind: 'Consumer',
      ParentSpanId: publish.spanContext().spanId,
      Duration: 3_000_000,
    }),
  ];
  return { traceId, expected };
}

async function countSpans(where: string, params: Record<string, unknown>): Promise<number> {
  const rs = await storage.client.query({
    query: `SELECT count() AS n FROM ${storage.table('otel_traces')} WHERE ${where}`,
    query_params: params,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  return (await rs.json<{ n: number }>())[0]?.n ?? -1;
}

describe('collector end to end with the OpenTelemetry SDK exporters', () => {
  const exporters: [string, () => SpanExporter][] = [
    ['OTLP/HTTP protobuf', () => new ProtoTraceExporter({ url: `${httpUrl}/v1/traces` })],
    ['OTLP/HTTP JSON', () => new JsonTraceExporter({ url: `${httpUrl}/v1/traces` })],
    ['OTLP/gRPC', () => new GrpcTraceExporter({ url: `http://127.0.0.1:${collector.ports.grpc}` })],
  ];

  it.each(exporters)(
    'stores what the SDK sends over %s exactly: ids, names, kinds, status, attributes, events, links, times',
    async (transport, makeExporter) => {
      const exporter = tapped(makeExporter());
      const service = `checkout-${transport.replace(/\W+/g, '-').toLowerCase()}`;
      const provider = new TracerProvider({
        resource: resourceFromAttributes({
          'service.name': service,
          'service.version': 'v3',
          'k8s.namespace.name': 'shop',
        }),
        spanProcessors: [new BatchSpanProcessor({ exporter })],
      });
      const sent = recordCheckout(provider, service);
      await provider.forceFlush();
      await provider.shutdown();
      expect(exporter.results).toEqual([0]);

      // Acknowledged means stored: no waiting for the writer.
      expect(await read.trace(sent.traceId)).toEqual(sent.expected);
      expect(await countSpans('ServiceName = {s:String}', { s: service })).toBe(sent.expected.length);
    },
  );

  it('stores a counter and a histogram sent by exporter-metrics-otlp-proto, cumulative points as deltas', async () => {
    const service = 'checkout-metrics';
    const reader = new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: `${httpUrl}/v1/metrics` }),
      exportIntervalMillis: 3_600_000,
      exportTimeoutMillis: 30_000,
    });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      readers: [reader],
    });
    try {
      const meter = provider.getMeter('checkout-lib', '2.0.1');
      const orders = meter.createCounter('checkout.orders', { unit: '{order}' });
      const duration = meter.createHistogram('http.server.request.duration', {
        unit: 's',
        advice: { explicitBucketBoundaries: [0.01, 0.1, 1] },
      });
      orders.add(5, { 'payment.method': 'card' });
      for (const sec of [0.02, 0.3, 0.3]) duration.record(sec, { 'http.route': '/pay' });
      await reader.forceFlush();
      orders.add(2, { 'payment.method': 'card' });
      duration.record(1.5, { 'http.route': '/pay' });
      await reader.forceFlush();

      const sums = await metricRows<{ Value: number; IsMonotonic: boolean }>(
        'otel_metrics_sum',
        'Value, IsMonotonic',
        service,
      );
      expect(sums).toMatchObject([
        { MetricName: 'checkout.orders', MetricUnit: '{order}', Attributes: { 'payment.method': 'card' } },
        { MetricName: 'checkout.orders', MetricUnit: '{order}', Attributes: { 'payment.method': 'card' } },
      ]);
      expect(sums.map((r) => [r.Value, r.AggregationTemporality, r.IsMonotonic])).toEqual([
        [5, 1, true],
        [2, 1, true],
      ]);
      expect(sums[1]?.StartTimeUnix).toBe(sums[0]?.TimeUnix);

      const histograms = await metricRows<{
        Count: number;
        Sum: number;
        BucketCounts: number[];
        ExplicitBounds: number[];
        Min: number;
        Max: number;
      }>('otel_metrics_histogram', 'Count, Sum, BucketCounts, ExplicitBounds, Min, Max', service);
      expect(histograms).toMatchObject([
        {
          MetricName: 'http.server.request.duration',
          MetricUnit: 's',
          Attributes: { 'http.route': '/pay' },
          AggregationTemporality: 1,
          Count: 3,
          BucketCounts: [0, 1, 2, 0],
          ExplicitBounds: [0.01, 0.1, 1],
          Min: 0.02,
          Max: 0.3,
        },
        {
          Count: 1,
          BucketCounts: [0, 0, 0, 1],
          ExplicitBounds: [0.01, 0.1, 1],
          // the cumulative minimum did not move in this interval: unknown, stored as 0
          Min: 0,
          Max: 1.5,
        },
      ]);
      expect(histograms[0]?.Sum).toBeCloseTo(0.62, 9);
      expect(histograms[1]?.Sum).toBeCloseTo(1.5, 9);
      expect(histograms[1]?.StartTimeUnix).toBe(histograms[0]?.TimeUnix);
    } finally {
      await provider.shutdown();
    }
  });
});

interface MetricRowHead {
  MetricName: string;
  MetricUnit: string;
  Attributes: Record<string, string>;
  AggregationTemporality: number;
  StartTimeUnix: string;
  TimeUnix: string;
}

async function metricRows<T>(
  table: string,
  columns: string,
  service: string,
): Promise<(MetricRowHead & T)[]> {
  const rs = await storage.client.query({
    query: `SELECT MetricName, MetricUnit, Attributes, AggregationTemporality,
              toString(toUnixTimestamp64Nano(StartTimeUnix)) AS StartTimeUnix,
              toString(toUnixTimestamp64Nano(TimeUnix)) AS TimeUnix, ${columns}
            FROM ${storage.table(table)} WHERE ServiceName = {service:String} ORDER BY TimeUnix`,
    query_params: { service },
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  return rs.json<MetricRowHead & T>();
}

/** SDK spans, serialised by the SDK's own protobuf serialiser, as a real sender's request bytes. */
async function sdkSpans(service: string, names: string[]): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const tracer = provider.getTracer('bad-input');
  for (const name of names) tracer.startSpan(name, { kind: SpanKind.SERVER }).end();
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

function protobufRequest(spans: ReadableSpan[]): Buffer {
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  if (!bytes) throw new Error('the SDK serialiser produced nothing');
  return Buffer.from(bytes);
}

/** The same span under another trace id (the SDK never makes invalid ids itself). */
function withTraceId(span: ReadableSpan, traceId: string): ReadableSpan {
  const context = { ...span.spanContext(), traceId };
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => context,
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status: span.status,
    attributes: span.attributes,
    links: span.links,
    events: span.events,
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

describe('collector end to end: bad input over real sockets, each followed by a good request', () => {
  let good: Buffer;
  let goodSpanIds: string[];
  beforeAll(async () => {
    const spans = await sdkSpans('after-bad-input', ['GET /a', 'GET /b']);
    good = protobufRequest(spans);
    goodSpanIds = spans.map((s) => s.spanContext().spanId);
  });

  /** The good request is acknowledged and its spans are in ClickHouse, once more each time. */
  let goodSent = 0;
  async function expectStillServing(): Promise<void> {
    const res = await postRaw(`${httpUrl}/v1/traces`, PROTOBUF, good);
    expect(res.status).toBe(200);
    goodSent++;
    expect(await countSpans('SpanId IN {ids:Array(String)}', { ids: goodSpanIds })).toBe(2 * goodSent);
  }

  it('answers malformed protobuf with 400 and a protobuf google.rpc.Status', async () => {
    const res = await postRaw(`${httpUrl}/v1/traces`, PROTOBUF, good.subarray(0, good.length - 3));
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    const status = decodeRpcStatus(res.body);
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/protobuf/);
    await expectStillServing();
  });

  it('answers malformed JSON with 400 and a JSON google.rpc.Status', async () => {
    const res = await postRaw(`${httpUrl}/v1/traces`, JSON_TYPE, Buffer.from('{"resourceSpans": [{'));
    expect(res.status).toBe(400);
    const status = JSON.parse(res.body.toString()) as { code: number; message: string };
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/^request body is not valid JSON/);
    await expectStillServing();
  });

  it('answers a wrong content type with 415', async () => {
    const res = await postRaw(`${httpUrl}/v1/traces`, { 'content-type': 'text/plain' }, good);
    expect(res.status).toBe(415);
    const status = JSON.parse(res.body.toString()) as { message: string };
    expect(status.message).toContain("Content-Type 'text/plain' is not supported");
    expect(status.message).toContain('application/x-protobuf, application/json');
    await expectStillServing();
  });

  it('answers a body over maxBodyBytes with 413', async () => {
    const res = await postRaw(`${httpUrl}/v1/traces`, PROTOBUF, Buffer.alloc(LIMITS.maxBodyBytes + 1));
    expect(res.status).toBe(413);
    expect(decodeRpcStatus(res.body).message).toContain(`larger than ${LIMITS.maxBodyBytes} bytes`);
    await expectStillServing();
  });

  it('answers a gzip bomb with 413 without inflating it', async () => {
    // Concatenated gzip members inflate as one stream: 64 × 16 MiB of zeros = 1 GiB from about 1 MiB.
    const member = gzipSync(Buffer.alloc(16 * MiB), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 64 }, () => member));
    expect(bomb.length).toBeLessThan(LIMITS.maxBodyBytes);
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    try {
      const res = await postRaw(`${httpUrl}/v1/traces`, { ...PROTOBUF, 'content-encoding': 'gzip' }, bomb);
      expect(res.status).toBe(413);
      expect(decodeRpcStatus(res.body).message).toContain(
        `larger than ${LIMITS.maxDecompressedBytes} bytes once decompressed`,
      );
    } finally {
      clearInterval(sampler);
    }
    // The collector runs in this process: it may hold the decompressed limit (8 MiB), never the 1 GiB.
    expect(peak - before).toBeLessThan(128 * MiB);
    await expectStillServing();
  });

  it('rejects spans with invalid trace ids through partial_success and stores the rest', async () => {
    const [valid, zero, short] = await sdkSpans('partly-invalid', ['valid', 'zero id', 'short id']);
    const body = protobufRequest([
      valid!,
      withTraceId(zero!, '0'.repeat(32)),
      withTraceId(short!, 'abcdef0123456789'),
    ]);
    const res = await postRaw(`${httpUrl}/v1/traces`, PROTOBUF, body);
    expect(res.status).toBe(200);
    const answer = ProtobufTraceSerializer.deserializeResponse(res.body);
    expect(answer.partialSuccess?.rejectedSpans).toBe(2);
    expect(answer.partialSuccess?.errorMessage).toBe(
      `2 spans rejected; first: span 'zero id' (span_id ${zero!.spanContext().spanId}): trace_id is all zeros`,
    );

    expect(await countSpans('ServiceName = {s:String}', { s: 'partly-invalid' })).toBe(1);
    expect(await read.trace(valid!.spanContext().traceId)).toMatchObject([
      { SpanName: 'valid', SpanId: valid!.spanContext().spanId, ServiceName: 'partly-invalid' },
    ]);
    await expectStillServing();
  });

  it('rejects an OTLP/JSON span with a wrong-length trace id through partial_success and stores the rest', async () => {
    const nowNs = (BigInt(Date.now() - 60_000) * MS).toString();
    const span = (traceId: string, spanId: string, name: string) => ({
      traceId,
      spanId,
      name,
      kind: 2,
      startTimeUnixNano: nowNs,
      endTimeUnixNano: nowNs,
    });
    const validTrace = randomBytes(16).toString('hex');
    const request = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'partly-invalid-json' } }] },
          scopeSpans: [
            {
              spans: [
                span(validTrace, '1111111111111111', 'valid'),
                span('abcd', '2222222222222222', 'short id'),
                span('', '3333333333333333', 'no id'),
              ],
            },
          ],
        },
      ],
    };
    const res = await postRaw(`${httpUrl}/v1/traces`, JSON_TYPE, Buffer.from(JSON.stringify(request)));
    expect(res.status).toBe(200);
    const answer = JSON.parse(res.body.toString()) as {
      partialSuccess?: { rejectedSpans?: string; errorMessage?: string };
    };
    expect(answer.partialSuccess?.rejectedSpans).toBe('2');
    expect(answer.partialSuccess?.errorMessage).toMatch(/trace_id/);
    expect(await countSpans('ServiceName = {s:String}', { s: 'partly-invalid-json' })).toBe(1);
    expect(await read.trace(validTrace)).toMatchObject([{ SpanName: 'valid', SpanId: '1111111111111111' }]);
    await expectStillServing();
  });
});
