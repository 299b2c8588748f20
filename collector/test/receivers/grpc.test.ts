import { Client, credentials, status, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { AggregationTemporality } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import pino from 'pino';
import protobuf from 'protobufjs/minimal.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IngestUnavailableError, type IngestSink } from '../../src/ingest/sink.js';
import { createCollectorMetrics, type CollectorMetrics } from '../../src/observability/metrics.js';
import {
  METRICS_EXPORT_PATH,
  TRACE_EXPORT_PATH,
  startOtlpGrpcServer,
  type OtlpGrpcServer,
} from '../../src/receivers/grpc.js';
import { encode, hexBytes, kv } from '../otlp/encode.js';
import { meterHarness, metricsRequest, recordSpans, traceRequest } from '../otlp/sdk.js';
import { RecordingSink } from './recording-sink.js';
import { decodeStatus } from './wire.js';

let spans: ReadableSpan[];
beforeAll(async () => {
  spans = await recordSpans((tracer) => {
    for (let i = 0; i < 3; i++) tracer.startSpan(`rpc ${i}`, { kind: SpanKind.SERVER }).end();
  });
});

const servers: OtlpGrpcServer[] = [];
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.close(1000)));
});

interface Harness {
  server: OtlpGrpcServer;
  sink: RecordingSink;
  metrics: CollectorMetrics;
  address: string;
}

async function start(sink: IngestSink = new RecordingSink(), maxBodyBytes?: number): Promise<Harness> {
  const metrics = createCollectorMetrics();
  const server = await startOtlpGrpcServer({
    host: '127.0.0.1',
    port: 0,
    sink,
    metrics,
    logger: pino({ level: 'silent' }),
    ...(maxBodyBytes ? { limits: { maxBodyBytes } } : {}),
  });
  servers.push(server);
  return { server, sink: sink as RecordingSink, metrics, address: `127.0.0.1:${server.port}` };
}

interface CallResult {
  error: ServiceError | null;
  response: Buffer | undefined;
}

/** A unary call with raw bytes, as any OTLP/gRPC client makes it. */
function call(address: string, path: string, body: Buffer): Promise<CallResult> {
  const client = new Client(address, credentials.createInsecure());
  clients.push(client);
  return new Promise((resolve) => {
    client.makeUnaryRequest<Buffer, Buffer>(
      path,
      (b) => b,
      (b) => b,
      body,
      (error, response) => resolve({ error, response }),
    );
  });
}

function exportSpans(
  exporter: OTLPTraceExporter,
  batch: ReadableSpan[],
): Promise<{ code: number; error?: Error }> {
  return new Promise((resolve) => exporter.export(batch, resolve));
}

describe('OTLP/gRPC receiver', () => {
  it('receives spans from the SDK’s OTLP/gRPC exporter, plain and gzip-compressed', async () => {
    const h = await start();
    type Compression = NonNullable<
      NonNullable<ConstructorParameters<typeof OTLPTraceExporter>[0]>['compression']
    >;
    const plain = new OTLPTraceExporter({ url: `http://${h.address}` });
    const gzip = new OTLPTraceExporter({ url: `http://${h.address}`, compression: 'gzip' as Compression });
    try {
      expect(await exportSpans(plain, spans)).toEqual({ code: 0 });
      expect(await exportSpans(gzip, spans)).toEqual({ code: 0 });
    } finally {
      await Promise.all([plain.shutdown(), gzip.shutdown()]);
    }
    expect(h.sink.spans.map((s) => s.SpanName).sort()).toEqual([
      'rpc 0',
      'rpc 0',
      'rpc 1',
      'rpc 1',
      'rpc 2',
      'rpc 2',
    ]);
    expect(await h.metrics.registry.getSingleMetricAsString('meshscope_collector_requests_total')).toContain(
      'meshscope_collector_requests_total{transport="grpc",signal="traces",code="OK"} 2',
    );
  });

  it('answers partial_success when some spans are invalid', async () => {
    const h = await start();
    const span = (traceId: string): Parameters<typeof encode>[0][number] => [
      2,
      'message',
      [
        [1, 'bytes', hexBytes(traceId)],
        [2, 'bytes', hexBytes('2222222222222222')],
        [5, 'string', 'op'],
        [7, 'fixed64', 1_700_000_000_000_000_000n],
        [8, 'fixed64', 1_699_999_999_000_000_000n],
      ],
    ];
    const body = encode([
      [
        1,
        'message',
        [
          [1, 'message', [kv(1, 'service.name', [[1, 'string', 's']])]],
          [2, 'message', [span('0123456789abcdef0123456789abcdef')]],
        ],
      ],
    ]);
    const { error, response } = await call(h.address, TRACE_EXPORT_PATH, body);
    expect(error).toBeNull();
    expect(ProtobufTraceSerializer.deserializeResponse(response!)).toEqual({
      partialSuccess: {
        rejectedSpans: 1,
        errorMessage:
          "1 span rejected: span 'op' (span_id 2222222222222222): end_time_unix_nano is before start_time_unix_nano",
      },
    });
  });

  it('stores metrics through MetricsService/Export', async () => {
    const h = await start();
    const meters = meterHarness(AggregationTemporality.DELTA);
    meters.meter.createCounter('requests').add(4, { route: '/a' });
    const body = metricsRequest(await meters.collect(), 'protobuf');
    await meters.shutdown();
    const { error, response } = await call(h.address, METRICS_EXPORT_PATH, body);
    expect(error).toBeNull();
    expect(ProtobufMetricsSerializer.deserializeResponse(response!)).toEqual({});
    expect(h.sink.metrics[0]?.sums).toMatchObject([
      { MetricName: 'requests', Value: 4, Attributes: { route: '/a' } },
    ]);
  });

  it('answers INVALID_ARGUMENT to garbage, then keeps serving', async () => {
    const h = await start();
    const bad = await call(h.address, TRACE_EXPORT_PATH, Buffer.from('this is not protobuf at all'));
    expect(bad.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.error?.details).toMatch(/malformed ExportTraceServiceRequest protobuf/);
    const good = await call(h.address, TRACE_EXPORT_PATH, traceRequest(spans, 'protobuf'));
    expect(good.error).toBeNull();
    expect(h.sink.spans).toHaveLength(3);
  });

  it('answers UNAVAILABLE with RetryInfo while the sink refuses, then keeps serving', async () => {
    const h = await start();
    h.sink.failWith = new IngestUnavailableError(
      'ClickHouse is unreachable and the spool is full',
      12,
      'store_unavailable',
    );
    const refused = await call(h.address, TRACE_EXPORT_PATH, traceRequest(spans, 'protobuf'));
    expect(refused.error?.code).toBe(status.UNAVAILABLE);
    expect(refused.error?.details).toBe('store_unavailable: ClickHouse is unreachable and the spool is full');
    const detailsBin = (refused.error?.metadata as Metadata).get('grpc-status-details-bin')[0];
    const rpcStatus = decodeStatus(detailsBin as Buffer);
    expect(rpcStatus.code).toBe(14);
    // google.protobuf.Any { type_url, value: RetryInfo { retry_delay: Duration { seconds: 12 } } }
    const any = protobuf.Reader.create(rpcStatus.details[0]!);
    expect(any.uint32()).toBe(0x0a);
    expect(any.string()).toBe('type.googleapis.com/google.rpc.RetryInfo');
    expect(any.uint32()).toBe(0x12);
    expect([...any.bytes()]).toEqual([0x0a, 0x02, 0x08, 12]);

    h.sink.failWith = undefined;
    expect((await call(h.address, TRACE_EXPORT_PATH, traceRequest(spans, 'protobuf'))).error).toBeNull();
    expect(await h.metrics.registry.getSingleMetricAsString('meshscope_collector_requests_total')).toContain(
      'code="UNAVAILABLE"} 1',
    );
  });

  it('refuses a message over the size limit with RESOURCE_EXHAUSTED', async () => {
    const h = await start(new RecordingSink(), 1024);
    const { error } = await call(h.address, TRACE_EXPORT_PATH, Buffer.alloc(4096));
    expect(error?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect((await call(h.address, TRACE_EXPORT_PATH, Buffer.alloc(0))).error).toBeNull();
  });

  it('does not serve logs: LogsService calls get UNIMPLEMENTED', async () => {
    const h = await start();
    const { error } = await call(
      h.address,
      '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
      Buffer.alloc(0),
    );
    expect(error?.code).toBe(status.UNIMPLEMENTED);
  });

  it('close() waits for in-flight calls only up to its grace period, then cuts them', async () => {
    let accepted!: () => void;
    const arrived = new Promise<void>((resolve) => (accepted = resolve));
    const stuck: IngestSink = {
      writeSpans: () => {
        accepted();
        return new Promise(() => undefined);
      },
      writeMetrics: () => Promise.resolve(),
    };
    const h = await start(stuck);
    const pending = call(h.address, TRACE_EXPORT_PATH, traceRequest(spans, 'protobuf'));
    await arrived;
    await h.server.close(200);
    servers.splice(servers.indexOf(h.server), 1);
    const { error } = await pending;
    expect(error?.code).toBeDefined();
    expect(error?.code).not.toBe(status.OK);
  });
});
