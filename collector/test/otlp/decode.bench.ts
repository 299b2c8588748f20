import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AggregationTemporality } from '@opentelemetry/sdk-metrics';
import Long from 'long';
import protobuf from 'protobufjs/light.js';
import { bench, describe } from 'vitest';
import { decodeMetricsRequestJson } from '../../src/otlp/json/metrics.js';
import { decodeTraceRequestJson } from '../../src/otlp/json/traces.js';
import { decodeMetricsRequest } from '../../src/otlp/proto/metrics.js';
import { decodeTraceRequest } from '../../src/otlp/proto/traces.js';
import { meterHarness, metricsRequest, recordSpans, traceRequest } from './sdk.js';

/**
 * Decode throughput: `npx vitest bench --run collector/test/otlp/decode.bench.ts`.
 * Each op decodes one request of SPANS spans (12 attributes each, a tenth with an event), so spans/s is
 * hz × SPANS. The "reflection" case is the alternative ADR 0003 rejects: protobufjs decoding into message
 * objects from a schema, then building the same rows.
 */
const SPANS = 1000;

const spans = await recordSpans(
  (tracer) => {
    for (let i = 0; i < SPANS; i++) {
      const span = tracer.startSpan('GET /reviews/{id}', {
        kind: SpanKind.SERVER,
        startTime: [1_700_000_000 + i, 123_456_789],
        attributes: {
          'http.request.method': 'GET',
          'url.path': `/reviews/${i}`,
          'url.scheme': 'http',
          'http.route': '/reviews/{id}',
          'http.response.status_code': 200,
          'server.port': 9080,
          'client.address': '10.0.0.12',
          'network.peer.address': '10.0.0.12',
          'user_agent.original': 'Mozilla/5.0',
          'http.request.body.size': 1234,
          'sampling.ratio': 0.25,
          'cache.hit': i % 2 === 0,
        },
      });
      if (i % 10 === 0) span.addEvent('retry', { attempt: 1 }, [1_700_000_000 + i, 200_000_000]);
      if (i % 20 === 0) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end([1_700_000_000 + i, 923_456_789]);
    }
  },
  {
    'service.name': 'reviews',
    'service.version': 'v2',
    'k8s.namespace.name': 'bookinfo',
    'k8s.pod.name': 'reviews-v2-7d9f8c-abcde',
  },
);
const tracesProto = traceRequest(spans, 'protobuf');
const tracesJson = traceRequest(spans, 'json');

const meters = meterHarness(AggregationTemporality.DELTA);
const histogram = meters.meter.createHistogram('http.server.request.duration', { unit: 's' });
for (let i = 0; i < SPANS; i++) {
  histogram.record(0.001 * (i % 300), {
    source_workload: `w${i % 50}`,
    destination_workload: 'reviews',
    response_code: 200,
  });
}
const collected = await meters.collect();
await meters.shutdown();
const metricsProto = metricsRequest(collected, 'protobuf');
const metricsJson = metricsRequest(collected, 'json');

// protobufjs finds `long` through an eval'd require, which fails under Vitest; without it int64 fields
// would decode to lossy numbers, which is neither what production does nor what it costs.
protobuf.util.Long = Long;
protobuf.configure();

/** A minimal trace schema typed from the OTLP field numbers, for the reflection baseline only. */
const root = protobuf.Root.fromJSON({
  nested: {
    AnyValue: {
      oneofs: { value: { oneof: ['s', 'b', 'i', 'd'] } },
      fields: {
        s: { type: 'string', id: 1 },
        b: { type: 'bool', id: 2 },
        i: { type: 'int64', id: 3 },
        d: { type: 'double', id: 4 },
      },
    },
    KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
    Resource: { fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    Scope: { fields: { name: { type: 'string', id: 1 }, version: { type: 'string', id: 2 } } },
    Status: { fields: { message: { type: 'string', id: 2 }, code: { type: 'int32', id: 3 } } },
    Event: {
      fields: {
        time: { type: 'fixed64', id: 1 },
        name: { type: 'string', id: 2 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 3 },
      },
    },
    Span: {
      fields: {
        traceId: { type: 'bytes', id: 1 },
        spanId: { type: 'bytes', id: 2 },
        traceState: { type: 'string', id: 3 },
        parentSpanId: { type: 'bytes', id: 4 },
        name: { type: 'string', id: 5 },
        kind: { type: 'int32', id: 6 },
        start: { type: 'fixed64', id: 7 },
        end: { type: 'fixed64', id: 8 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 9 },
        events: { rule: 'repeated', type: 'Event', id: 11 },
        status: { type: 'Status', id: 15 },
      },
    },
    ScopeSpans: {
      fields: { scope: { type: 'Scope', id: 1 }, spans: { rule: 'repeated', type: 'Span', id: 2 } },
    },
    ResourceSpans: {
      fields: {
        resource: { type: 'Resource', id: 1 },
        scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 },
      },
    },
    Request: { fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } } },
  },
});
const RequestType = root.lookupType('Request');

interface LongLike {
  low: number;
  high: number;
}
interface KeyValueMessage {
  key: string;
  value?: { value?: string; s: string; b: boolean; i: LongLike; d: number };
}
interface SpanMessage {
  traceId: Uint8Array;
  spanId: Uint8Array;
  parentSpanId: Uint8Array;
  traceState: string;
  name: string;
  kind: number;
  start: LongLike;
  end: LongLike;
  attributes: KeyValueMessage[];
  events: { time: LongLike; name: string; attributes: KeyValueMessage[] }[];
  status?: { code: number; message: string };
}
interface RequestMessage {
  resourceSpans: {
    resource?: { attributes: KeyValueMessage[] };
    scopeSpans: { scope?: { name: string; version: string }; spans: SpanMessage[] }[];
  }[];
}

const ns = (l: LongLike): bigint => (BigInt(l.high >>> 0) << 32n) | BigInt(l.low >>> 0);
const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
function attributes(kvs: KeyValueMessage[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, value } of kvs) {
    const v = value;
    out[key] = !v
      ? ''
      : v.value === 's'
        ? v.s
        : v.value === 'b'
          ? String(v.b)
          : v.value === 'i'
            ? ns(v.i).toString()
            : String(v.d);
  }
  return out;
}

function reflectionRows(body: Buffer): number {
  const request = RequestType.toObject(RequestType.decode(body), {
    defaults: true,
    oneofs: true,
  }) as RequestMessage;
  const rows: unknown[] = [];
  for (const rs of request.resourceSpans) {
    const resource = attributes(rs.resource?.attributes ?? []);
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        const start = ns(s.start);
        rows.push({
          Timestamp: start.toString(),
          TraceId: hex(s.traceId),
          SpanId: hex(s.spanId),
          ParentSpanId: hex(s.parentSpanId),
          TraceState: s.traceState,
          SpanName: s.name,
          SpanKind: s.kind,
          ServiceName: resource['service.name'] ?? '',
          ResourceAttributes: resource,
          ScopeName: ss.scope?.name ?? '',
          ScopeVersion: ss.scope?.version ?? '',
          SpanAttributes: attributes(s.attributes),
          Duration: Number(ns(s.end) - start),
          StatusCode: s.status?.code ?? 0,
          StatusMessage: s.status?.message ?? '',
          'Events.Timestamp': s.events.map((e) => ns(e.time).toString()),
          'Events.Name': s.events.map((e) => e.name),
          'Events.Attributes': s.events.map((e) => attributes(e.attributes)),
        });
      }
    }
  }
  return rows.length;
}

describe(`ExportTraceServiceRequest of ${SPANS} spans (${tracesProto.length} bytes protobuf)`, () => {
  bench('hand-written Reader walk → rows', () => {
    decodeTraceRequest(tracesProto);
  });
  bench('OTLP/JSON → rows', () => {
    decodeTraceRequestJson(tracesJson);
  });
  bench('protobufjs reflection → message objects → rows (baseline)', () => {
    reflectionRows(tracesProto);
  });
});

describe(`ExportMetricsServiceRequest of 50 histogram series (${metricsProto.length} bytes protobuf)`, () => {
  bench('hand-written Reader walk → rows', () => {
    decodeMetricsRequest(metricsProto);
  });
  bench('OTLP/JSON → rows', () => {
    decodeMetricsRequestJson(metricsJson);
  });
});
