import { describe, expect, it } from 'vitest';
import type { SpanKindName, SpanRow, StatusCodeName } from '@meshscope/collector';
import {
  apiV3Error,
  apiV3ErrorSchema,
  apiV3TracesResponseSchema,
  otlpTracesDataSchema,
  toApiV3TracesResponse,
  toOtlpTracesData,
  type OtlpAnyValue,
  type OtlpKeyValue,
  type OtlpTracesData,
} from '../../src/jaeger/otlp-json.js';
import { spanRow, T0_NS, TRACE_ID } from '../tracing/rows.js';

const KINDS: SpanKindName[] = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUSES: StatusCodeName[] = ['Unset', 'Ok', 'Error'];

/** The inverse mapping, written independently: OTLP JSON back to stored rows (values as stored text). */
function fromOtlp(data: OtlpTracesData): SpanRow[] {
  const text = (v: OtlpAnyValue): string =>
    'stringValue' in v
      ? v.stringValue
      : 'boolValue' in v
        ? String(v.boolValue)
        : 'intValue' in v
          ? v.intValue
          : String(v.doubleValue);
  const map = (kvs: readonly OtlpKeyValue[]): Record<string, string> =>
    Object.fromEntries(kvs.map((kv) => [kv.key, text(kv.value)]));
  return data.resourceSpans.flatMap((rs) => {
    const resource = map(rs.resource.attributes);
    return rs.scopeSpans.flatMap((ss) =>
      ss.spans.map((s): SpanRow => ({
        Timestamp: s.startTimeUnixNano,
        TraceId: s.traceId,
        SpanId: s.spanId,
        ParentSpanId: s.parentSpanId ?? '',
        TraceState: s.traceState ?? '',
        SpanName: s.name,
        SpanKind: KINDS[s.kind] ?? 'Unspecified',
        ServiceName: resource['service.name'] ?? '',
        ResourceAttributes: resource,
        ScopeName: ss.scope.name ?? '',
        ScopeVersion: ss.scope.version ?? '',
        SpanAttributes: map(s.attributes),
        Duration: Number(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)),
        StatusCode: STATUSES[s.status.code ?? 0] ?? 'Unset',
        StatusMessage: s.status.message ?? '',
        'Events.Timestamp': s.events.map((e) => e.timeUnixNano),
        'Events.Name': s.events.map((e) => e.name),
        'Events.Attributes': s.events.map((e) => map(e.attributes)),
        'Links.TraceId': s.links.map((l) => l.traceId),
        'Links.SpanId': s.links.map((l) => l.spanId),
        'Links.TraceState': s.links.map((l) => l.traceState ?? ''),
        'Links.Attributes': s.links.map((l) => map(l.attributes)),
      })),
    );
  });
}

const OTHER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const ns = (us: number): string => (T0_NS + BigInt(us) * 1000n).toString();

const rows: SpanRow[] = [
  spanRow('00f067aa0ba902b7', '', 0, 1000, {
    SpanName: 'GET /checkout',
    SpanKind: 'Server',
    ServiceName: 'frontend',
    ResourceAttributes: { 'service.name': 'frontend', 'process.pid': '4242', 'host.arch': 'amd64' },
    ScopeName: 'io.opentelemetry.http',
    ScopeVersion: '1.2.0',
    SpanAttributes: {
      'http.response.status_code': '200',
      ok: 'true',
      ratio: '0.25',
      big: '9223372036854775807',
    },
    TraceState: 'rojo=00f067aa0ba902b7',
    StatusCode: 'Ok',
    'Events.Timestamp': [ns(10), ns(50)],
    'Events.Name': ['cache.miss', 'exception'],
    'Events.Attributes': [{ key: 'cart:42' }, { 'exception.type': 'TimeoutError' }],
    'Links.TraceId': [OTHER_TRACE],
    'Links.SpanId': ['b7ad6b7169203331'],
    'Links.TraceState': ['congo=t61rcWkgMzE'],
    'Links.Attributes': [{ 'messaging.batch.index': '3' }],
  }),
  spanRow('53995c3f42cd8ad8', '00f067aa0ba902b7', 100, 700, {
    SpanName: 'POST /pay',
    SpanKind: 'Client',
    ServiceName: 'payments',
    ResourceAttributes: { 'service.name': 'payments' },
    StatusCode: 'Error',
    StatusMessage: 'card declined',
  }),
  // same resource as the root, other scope
  spanRow('1a2b3c4d5e6f7a8b', '00f067aa0ba902b7', 200, 10, {
    SpanName: 'SELECT orders',
    SpanKind: 'Client',
    ServiceName: 'frontend',
    ResourceAttributes: { 'host.arch': 'amd64', 'process.pid': '4242', 'service.name': 'frontend' },
    ScopeName: 'io.opentelemetry.jdbc',
    SpanAttributes: { 'db.system': 'postgresql' },
  }),
  // a producer/consumer pair and an internal span, so every kind shows up
  spanRow('2b3c4d5e6f7a8b9c', '00f067aa0ba902b7', 300, 5, {
    SpanKind: 'Producer',
    ServiceName: 'payments',
    ResourceAttributes: { 'service.name': 'payments' },
  }),
  spanRow('3c4d5e6f7a8b9cad', '2b3c4d5e6f7a8b9c', 400, 5, {
    SpanKind: 'Consumer',
    ServiceName: 'payments',
    ResourceAttributes: { 'service.name': 'payments' },
  }),
  spanRow('4d5e6f7a8b9cadbe', '00f067aa0ba902b7', 500, 5, {
    SpanKind: 'Unspecified',
    ServiceName: 'payments',
    ResourceAttributes: { 'service.name': 'payments' },
  }),
];

describe('OTLP JSON (api_v3)', () => {
  const data = toOtlpTracesData(rows);

  it('round-trips every stored field', () => {
    const bySpan = (a: SpanRow, b: SpanRow): number => (a.SpanId < b.SpanId ? -1 : 1);
    const back = fromOtlp(data).sort(bySpan);
    const original = [...rows].sort(bySpan);
    expect(back).toEqual(original);
  });

  it('groups spans by resource (whatever the stored key order) and then by scope', () => {
    expect(data.resourceSpans).toHaveLength(2);
    const [frontend, payments] = data.resourceSpans;
    expect(frontend?.resource.attributes.map((a) => a.key)).toEqual([
      'host.arch',
      'process.pid',
      'service.name',
    ]);
    expect(frontend?.scopeSpans.map((s) => [s.scope, s.spans.map((x) => x.name)])).toEqual([
      [{ name: 'io.opentelemetry.http', version: '1.2.0' }, ['GET /checkout']],
      [{ name: 'io.opentelemetry.jdbc' }, ['SELECT orders']],
    ]);
    expect(payments?.scopeSpans).toHaveLength(1);
    expect(payments?.scopeSpans[0]?.scope).toEqual({});
    expect(payments?.scopeSpans[0]?.spans).toHaveLength(4);
  });

  it('uses the OTLP JSON encoding: hex ids, integer enums, int64 as strings, typed values', () => {
    const root = data.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    expect(root).toEqual({
      traceId: TRACE_ID,
      spanId: '00f067aa0ba902b7',
      traceState: 'rojo=00f067aa0ba902b7',
      name: 'GET /checkout',
      kind: 2,
      startTimeUnixNano: '1700000000000000000',
      endTimeUnixNano: '1700000000001000000',
      attributes: [
        { key: 'big', value: { intValue: '9223372036854775807' } },
        { key: 'http.response.status_code', value: { intValue: '200' } },
        { key: 'ok', value: { boolValue: true } },
        { key: 'ratio', value: { doubleValue: 0.25 } },
      ],
      events: [
        {
          timeUnixNano: '1700000000000010000',
          name: 'cache.miss',
          attributes: [{ key: 'key', value: { stringValue: 'cart:42' } }],
        },
        {
          timeUnixNano: '1700000000000050000',
          name: 'exception',
          attributes: [{ key: 'exception.type', value: { stringValue: 'TimeoutError' } }],
        },
      ],
      links: [
        {
          traceId: OTHER_TRACE,
          spanId: 'b7ad6b7169203331',
          traceState: 'congo=t61rcWkgMzE',
          attributes: [{ key: 'messaging.batch.index', value: { intValue: '3' } }],
        },
      ],
      status: { code: 1 },
    });
    const pay = data.resourceSpans[1]?.scopeSpans[0]?.spans[0];
    expect(pay).toMatchObject({
      parentSpanId: '00f067aa0ba902b7',
      kind: 3,
      status: { code: 2, message: 'card declined' },
    });
    expect(pay).not.toHaveProperty('traceState');
    expect(root).not.toHaveProperty('parentSpanId');
  });

  it('validates against the OTLP and api_v3 schemas after a JSON round trip', () => {
    const body = JSON.parse(JSON.stringify(toApiV3TracesResponse(rows))) as unknown;
    expect(apiV3TracesResponseSchema.parse(body)).toEqual({ result: data });
    expect(
      otlpTracesDataSchema.safeParse({
        resourceSpans: [
          { resource: { attributes: [] }, scopeSpans: [{ scope: {}, spans: [{ traceId: 'XYZ' }] }] },
        ],
      }).success,
    ).toBe(false);
  });

  it('restores service.name into the resource when only the column had it', () => {
    const bare = spanRow('00f067aa0ba902b7', '', 0, 1, { ServiceName: 'cart', ResourceAttributes: {} });
    expect(toOtlpTracesData([bare]).resourceSpans[0]?.resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'cart' } },
    ]);
  });

  it('drops exact duplicate rows', () => {
    const first = rows[1];
    if (!first) throw new Error('fixture');
    const spans = toOtlpTracesData([first, { ...first }]).resourceSpans[0]?.scopeSpans[0]?.spans;
    expect(spans).toHaveLength(1);
    expect(toOtlpTracesData([])).toEqual({ resourceSpans: [] });
  });

  it('has an api_v3 error body', () => {
    expect(apiV3ErrorSchema.parse(apiV3Error(404, 'trace not found'))).toEqual({
      error: { httpCode: 404, message: 'trace not found' },
    });
  });
});
