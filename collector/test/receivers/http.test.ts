import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { deflateSync, gzipSync } from 'node:zlib';
import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { AggregationTemporality, AggregationType } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IngestUnavailableError } from '../../src/ingest/sink.js';
import { createCollectorMetrics, type CollectorMetrics } from '../../src/observability/metrics.js';
import type { BodyLimits } from '../../src/receivers/body.js';
import { buildOtlpHttpApp } from '../../src/receivers/http.js';
import { encode, hexBytes, kv } from '../otlp/encode.js';
import { meterHarness, metricsRequest, recordSpans, traceRequest } from '../otlp/sdk.js';
import { RecordingSink } from './recording-sink.js';
import { decodeStatus, post } from './wire.js';

const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_UTF8 = { 'content-type': 'application/json; charset=utf-8' };

let spans: ReadableSpan[];
let goodBody: Buffer;
beforeAll(async () => {
  spans = await recordSpans((tracer) => {
    for (let i = 0; i < 3; i++) {
      tracer.startSpan(`GET /item/${i}`, { kind: SpanKind.SERVER }).end();
    }
  });
  goodBody = traceRequest(spans, 'protobuf');
});

interface Harness {
  app: FastifyInstance;
  sink: RecordingSink;
  metrics: CollectorMetrics;
  setReady(ready: boolean): void;
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

function harness(limits: Partial<BodyLimits> = {}): Harness {
  const sink = new RecordingSink();
  const metrics = createCollectorMetrics();
  let ready = true;
  const app = buildOtlpHttpApp({
    sink,
    metrics,
    limits,
    isReady: () => ready,
    notReadyReason: () => 'storage migrations are still running',
  });
  apps.push(app);
  return { app, sink, metrics, setReady: (r) => (ready = r) };
}

/** A valid export right after a bad one: the receiver must still serve. */
async function expectStillServing({ app, sink }: Harness): Promise<void> {
  const before = sink.spans.length;
  const res = await app.inject({ method: 'POST', url: '/v1/traces', headers: PROTOBUF, payload: goodBody });
  expect(res.statusCode).toBe(200);
  expect(sink.spans.length).toBe(before + 3);
}

/** A request with one valid and one invalid (all-zero trace id) span. */
function partlyInvalidRequest(): Buffer {
  const span = (traceId: string): Parameters<typeof encode>[0][number] => [
    2,
    'message',
    [
      [1, 'bytes', hexBytes(traceId)],
      [2, 'bytes', hexBytes('1111111111111111')],
      [5, 'string', 'op'],
      [7, 'fixed64', 1_700_000_000_000_000_000n],
      [8, 'fixed64', 1_700_000_000_000_000_100n],
    ],
  ];
  return encode([
    [
      1,
      'message',
      [
        [1, 'message', [kv(1, 'service.name', [[1, 'string', 'svc']])]],
        [2, 'message', [span('0123456789abcdef0123456789abcdef'), span('00000000000000000000000000000000')]],
      ],
    ],
  ]);
}

describe('OTLP/HTTP receiver: exports', () => {
  it('stores SDK spans sent as protobuf and answers an empty ExportTraceServiceResponse in protobuf', async () => {
    const h = harness();
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: PROTOBUF,
      payload: goodBody,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    expect(res.rawPayload).toHaveLength(0);
    expect(h.sink.spans.map((s) => s.SpanName).sort()).toEqual(['GET /item/0', 'GET /item/1', 'GET /item/2']);
    expect(h.sink.spans[0]?.ServiceName).toBe('reviews');
  });

  it('takes OTLP/JSON with a charset parameter and answers in JSON', async () => {
    const h = harness();
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: JSON_UTF8,
      payload: traceRequest(spans, 'json'),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({});
    expect(h.sink.spans).toHaveLength(3);
  });

  it('answers partial_success in the request’s encoding when some spans are invalid', async () => {
    const h = harness();
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: PROTOBUF,
      payload: partlyInvalidRequest(),
    });
    expect(res.statusCode).toBe(200);
    expect(ProtobufTraceSerializer.deserializeResponse(res.rawPayload)).toEqual({
      partialSuccess: {
        rejectedSpans: 1,
        errorMessage: "1 span rejected: span 'op' (span_id 1111111111111111): trace_id is all zeros",
      },
    });
    expect(h.sink.spans).toHaveLength(1);

    const json = await h.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: JSON_UTF8,
      payload: JSON.stringify({
        resourceSpans: [
          { scopeSpans: [{ spans: [{ traceId: '', spanId: '1111111111111111', name: 'x' }] }] },
        ],
      }),
    });
    expect(json.json()).toEqual({
      partialSuccess: {
        rejectedSpans: '1',
        errorMessage: "1 span rejected: span 'x' (span_id 1111111111111111): trace_id is missing",
      },
    });
    const text = await h.metrics.registry.getSingleMetricAsString('meshscope_collector_rejected_spans_total');
    expect(text).toContain('meshscope_collector_rejected_spans_total{transport="http",reason="invalid"} 2');
  });

  it('stores metrics as deltas and refuses exponential histograms through partial_success', async () => {
    const h = harness();
    const meters = meterHarness(AggregationTemporality.CUMULATIVE, [
      { instrumentName: 'sizes', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } },
    ]);
    const counter = meters.meter.createCounter('requests');
    meters.meter.createHistogram('sizes').record(10);
    counter.add(5);
    const first = await h.app.inject({
      method: 'POST',
      url: '/v1/metrics',
      headers: PROTOBUF,
      payload: metricsRequest(await meters.collect(), 'protobuf'),
    });
    counter.add(2);
    const second = await h.app.inject({
      method: 'POST',
      url: '/v1/metrics',
      headers: JSON_UTF8,
      payload: metricsRequest(await meters.collect(), 'json'),
    });
    await meters.shutdown();

    expect(first.statusCode).toBe(200);
    expect(ProtobufMetricsSerializer.deserializeResponse(first.rawPayload)).toMatchObject({
      partialSuccess: {
        rejectedDataPoints: 1,
        errorMessage: expect.stringContaining(
          "metric 'sizes': exponential histograms are not stored",
        ) as unknown,
      },
    });
    expect(second.json()).toMatchObject({ partialSuccess: { rejectedDataPoints: '1' } });
    expect(h.sink.metrics.flatMap((m) => m.sums).map((r) => [r.Value, r.AggregationTemporality])).toEqual([
      [5, 1],
      [2, 1],
    ]);
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
  ] as const)('accepts %s-compressed bodies', async (encoding, compress) => {
    const h = harness();
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { ...PROTOBUF, 'content-encoding': encoding },
      payload: compress(goodBody),
    });
    expect(res.statusCode).toBe(200);
    expect(h.sink.spans).toHaveLength(3);
  });
});

describe('OTLP/HTTP receiver: bad input, each followed by a good request', () => {
  it('answers malformed protobuf with 400 and a protobuf google.rpc.Status', async () => {
    const h = harness();
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: PROTOBUF,
      payload: goodBody.subarray(0, goodBody.length - 5),
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    const status = decodeStatus(res.rawPayload);
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/truncated protobuf|malformed ExportTraceServiceRequest protobuf/);
    await expectStillServing(h);
  });

  it('answers malformed JSON with 400 and a JSON Status naming the problem', async () => {
    const h = harness();
    const broken = await h.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: JSON_UTF8,
      payload: '{"resourceSpans": [',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toEqual({
      code: 3,
      message: expect.stringMatching(/^request body is not valid JSON/) as unknown,
    });
    const misshapen = await h.app.inject({
      method: 'POST',
      url: '/v1/metrics',
      headers: JSON_UTF8,
      payload: '{"resourceMetrics":[{"scopeMetrics":{}}]}',
    });
    expect(misshapen.statusCode).toBe(400);
    expect(misshapen.json()).toEqual({
      code: 3,
      message: 'resourceMetrics[0].scopeMetrics: expected an array, got object',
    });
    await expectStillServing(h);
  });

  it('answers a corrupt gzip body with 400', async () => {
    const h = harness();
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { ...PROTOBUF, 'content-encoding': 'gzip' },
      payload: Buffer.from('not gzip at all'),
    });
    expect(res.statusCode).toBe(400);
    expect(decodeStatus(res.rawPayload).message).toMatch(/not valid gzip data/);
    await expectStillServing(h);
  });

  it('answers a body over the size limit with 413 and closes the connection', async () => {
    const h = harness({ maxBodyBytes: 64 * 1024 });
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: PROTOBUF,
      payload: Buffer.alloc(64 * 1024 + 1),
    });
    expect(res.statusCode).toBe(413);
    expect(res.headers['connection']).toBe('close');
    expect(decodeStatus(res.rawPayload)).toMatchObject({
      code: 8,
      message: expect.stringContaining('larger than 65536 bytes') as unknown,
    });
    await expectStillServing(h);
  });

  it('answers a body that decompresses past the limit with 413', async () => {
    const h = harness({ maxDecompressedBytes: 1024 * 1024 });
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { ...PROTOBUF, 'content-encoding': 'gzip' },
      payload: gzipSync(Buffer.alloc(2 * 1024 * 1024)),
    });
    expect(res.statusCode).toBe(413);
    expect(decodeStatus(res.rawPayload).message).toContain('once decompressed');
    await expectStillServing(h);
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }, "Content-Type 'text/plain' is not supported"],
    ['no content type', {}, 'Content-Type is missing'],
    [
      'JSON in Latin-1',
      { 'content-type': 'application/json; charset=iso-8859-1' },
      'OTLP/JSON must be UTF-8',
    ],
  ])('answers %s with 415 listing the accepted types', async (_name, headers, message) => {
    const h = harness();
    const res = await h.app.inject({ method: 'POST', url: '/v1/traces', headers, payload: goodBody });
    expect(res.statusCode).toBe(415);
    const body = res.json<{ code: number; message: string }>();
    expect(body.message).toContain(message);
    if (!message.includes('UTF-8'))
      expect(body.message).toContain('application/x-protobuf, application/json');
    await expectStillServing(h);
  });

  it('answers an unsupported Content-Encoding with 415 naming the supported ones', async () => {
    const h = harness();
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { ...PROTOBUF, 'content-encoding': 'br' },
      payload: goodBody,
    });
    expect(res.statusCode).toBe(415);
    expect(decodeStatus(res.rawPayload).message).toBe(
      "Content-Encoding 'br' is not supported; use one of: gzip, deflate, identity",
    );
    await expectStillServing(h);
  });

  it('answers 503 with Retry-After and Status code 14 while the sink is unavailable', async () => {
    const h = harness();
    h.sink.failWith = new IngestUnavailableError('the write queue is full', 7, 'queue_full');
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: PROTOBUF,
      payload: goodBody,
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('7');
    expect(decodeStatus(res.rawPayload)).toMatchObject({
      code: 14,
      message: 'queue_full: the write queue is full',
    });
    expect(h.sink.spans).toHaveLength(0);
    h.sink.failWith = undefined;
    await expectStillServing(h);
    const text = await h.metrics.registry.metrics();
    expect(text).toContain(
      'meshscope_collector_rejected_spans_total{transport="http",reason="queue_full"} 3',
    );
    expect(text).toContain(
      'meshscope_collector_requests_total{transport="http",signal="traces",code="503"} 1',
    );
  });

  it('answers 500 with a Status body when the sink fails for another reason', async () => {
    const h = harness();
    h.sink.failWith = new Error('ClickHouse rejected the batch: type mismatch');
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: JSON_UTF8,
      payload: traceRequest(spans, 'json'),
    });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      code: 13,
      message: 'the data could not be stored: ClickHouse rejected the batch: type mismatch',
    });
    h.sink.failWith = undefined;
    await expectStillServing(h);
  });
});

describe('OTLP/HTTP receiver: other routes', () => {
  it('answers /v1/logs with 404 saying logs are not stored', async () => {
    const h = harness();
    const res = await h.app.inject({ method: 'POST', url: '/v1/logs', headers: JSON_UTF8, payload: '{}' });
    expect(res.statusCode).toBe(404);
    expect(res.json<{ message: string }>().message).toMatch(/logs are not stored/);
    await expectStillServing(h);
  });

  it('answers unknown routes with 404 and a Status body', async () => {
    const h = harness();
    const res = await h.app.inject({ method: 'GET', url: '/v1/traces' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      code: 5,
      message: 'no route GET /v1/traces: OTLP/HTTP takes POST /v1/traces and POST /v1/metrics',
    });
  });

  it('serves /healthz, /readyz (with the reason when not ready) and /metrics', async () => {
    const h = harness();
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
    h.setReady(false);
    const notReady = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toEqual({ status: 'not ready', reason: 'storage migrations are still running' });
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

    await expectStillServing(h);
    const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.body).toContain('meshscope_collector_received_spans_total{transport="http"} 3');
    expect(metrics.body).toContain(
      'meshscope_collector_requests_total{transport="http",signal="traces",code="200"} 1',
    );
  });
});

describe('OTLP/HTTP receiver on a real socket', () => {
  async function listen(limits: Partial<BodyLimits> = {}): Promise<Harness & { url: string }> {
    const h = harness(limits);
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = h.app.server.address() as AddressInfo;
    return { ...h, url: `http://127.0.0.1:${port}` };
  }

  function exportWith(
    exporter: SpanExporter,
    batch: ReadableSpan[],
  ): Promise<{ code: number; error?: Error }> {
    return new Promise((resolve) => exporter.export(batch, resolve));
  }

  it('receives spans from the SDK’s own OTLP/HTTP exporters (protobuf with gzip, and JSON)', async () => {
    const h = await listen();
    type Compression = NonNullable<
      NonNullable<ConstructorParameters<typeof ProtoTraceExporter>[0]>['compression']
    >;
    const proto = new ProtoTraceExporter({ url: `${h.url}/v1/traces`, compression: 'gzip' as Compression });
    const json = new JsonTraceExporter({ url: `${h.url}/v1/traces` });
    try {
      expect(await exportWith(proto, spans)).toEqual({ code: 0 });
      expect(await exportWith(json, spans)).toEqual({ code: 0 });
    } finally {
      await Promise.all([proto.shutdown(), json.shutdown()]);
    }
    expect(h.sink.spans).toHaveLength(6);
  });

  it('refuses a 1 GiB gzip bomb with 413 without inflating it', async () => {
    const h = await listen();
    // Concatenated gzip members decompress as one stream: 16 × 64 MiB of zeros = 1 GiB from ~1 MiB.
    const member = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 16 }, () => member));
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);

    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    try {
      const res = await post(`${h.url}/v1/traces`, { ...PROTOBUF, 'content-encoding': 'gzip' }, bomb);
      expect(res.status).toBe(413);
      expect(decodeStatus(res.body).message).toBe(
        'request body is larger than 67108864 bytes once decompressed; send smaller batches',
      );
    } finally {
      clearInterval(sampler);
    }
    // The limit (64 MiB) is all that may be held, never the bomb's 1 GiB.
    expect(peak - before).toBeLessThan(256 * 1024 * 1024);
    const again = await post(`${h.url}/v1/traces`, PROTOBUF, goodBody);
    expect(again.status).toBe(200);
  });

  it('cuts off a chunked body (no Content-Length) at the limit with 413', async () => {
    const h = await listen({ maxBodyBytes: 256 * 1024 });
    const chunk = Buffer.alloc(64 * 1024);
    const res = await post(
      `${h.url}/v1/traces`,
      PROTOBUF,
      Readable.from(Array.from({ length: 64 }, () => chunk)),
    );
    expect(res.status).toBe(413);
    expect((await post(`${h.url}/v1/traces`, PROTOBUF, goodBody)).status).toBe(200);
  });

  it('survives a client that disconnects in the middle of its body', async () => {
    const h = await listen();
    const { request } = await import('node:http');
    await new Promise<void>((resolve) => {
      const req = request(`${h.url}/v1/traces`, {
        method: 'POST',
        headers: { ...PROTOBUF, 'content-length': '100000' },
        agent: false,
      });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.write(goodBody.subarray(0, 10), () => req.destroy());
    });
    expect((await post(`${h.url}/v1/traces`, PROTOBUF, goodBody)).status).toBe(200);
    expect(h.sink.spans).toHaveLength(3);
  });
});
