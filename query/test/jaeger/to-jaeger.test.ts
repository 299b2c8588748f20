import { describe, expect, it } from 'vitest';
import type { SpanRow } from '@meshscope/collector';
import {
  jaegerEnvelopeSchema,
  jaegerErrorResponse,
  jaegerResponse,
  jaegerTraceSchema,
  type JaegerTrace,
} from '../../src/jaeger/model.js';
import { toJaegerKeyValue, toJaegerTraces } from '../../src/jaeger/to-jaeger.js';
import { spanRow, T0_NS, TRACE_ID } from '../tracing/rows.js';

const T0_US = 1_700_000_000_000_000;
const ns = (us: number, extraNs = 0): string => (T0_NS + BigInt(us) * 1000n + BigInt(extraNs)).toString();

const ROOT = '00f067aa0ba902b7';
const PAY = '53995c3f42cd8ad8';
const ORPHAN = '1a2b3c4d5e6f7a8b';
const OTHER_TRACE = '0af7651916cd43dd8448eb211c80319c';

const root: SpanRow = spanRow(ROOT, '', 0, 0, {
  Timestamp: ns(0, 1_234),
  Duration: 1_000_999,
  SpanName: 'GET /checkout',
  SpanKind: 'Server',
  ServiceName: 'frontend',
  ResourceAttributes: {
    'service.name': 'frontend',
    'service.version': '1.4.2',
    'process.pid': '4242',
    'k8s.pod.name': 'frontend-7d9f',
  },
  ScopeName: 'io.opentelemetry.http',
  ScopeVersion: '1.2.0',
  SpanAttributes: {
    'http.route': '/checkout',
    'http.request.method': 'GET',
    'http.response.status_code': '200',
    'cache.hit': 'false',
    ratio: '0.25',
    'int64.max': '9223372036854775807',
    'int64.safe': '-9007199254740991',
    'int64.unsafe': '9007199254740992',
    overflow: '92233720368547758070',
    zip: '007',
    empty: '',
  },
  TraceState: 'rojo=00f067aa0ba902b7',
  StatusCode: 'Ok',
  'Events.Timestamp': [ns(50), ns(10), ns(10, 500)],
  'Events.Name': ['exception', 'cache.miss', ''],
  'Events.Attributes': [
    {
      'exception.type': 'TimeoutError',
      'exception.message': 'upstream timed out',
      'exception.escaped': 'true',
    },
    { event: 'custom-name', key: 'cart:42' },
    { 'bytes.read': '512' },
  ],
});

const payments: SpanRow = spanRow(PAY, ROOT, 100, 700, {
  SpanName: 'POST /pay',
  SpanKind: 'Client',
  ServiceName: 'payments',
  ResourceAttributes: { 'service.name': 'payments' },
  StatusCode: 'Error',
  StatusMessage: 'card declined',
  'Links.TraceId': [OTHER_TRACE, TRACE_ID],
  'Links.SpanId': ['b7ad6b7169203331', ORPHAN],
  'Links.TraceState': ['', ''],
  'Links.Attributes': [{}, { 'opentracing.ref_type': 'child_of' }],
});

const orphan: SpanRow = spanRow(ORPHAN, 'deadbeefdeadbeef', 900, 50, {
  SpanName: 'flush',
  SpanKind: 'Unspecified',
  ServiceName: 'frontend',
  ResourceAttributes: root.ResourceAttributes,
});

describe('toJaegerTraces: one full trace, field by field', () => {
  // an exact copy (a retried insert) is dropped; a different span reusing an id is kept and flagged
  const sameIdOtherSpan: SpanRow = {
    ...payments,
    SpanName: 'POST /pay (retry)',
    'Links.TraceId': [],
    'Links.SpanId': [],
    'Links.TraceState': [],
    'Links.Attributes': [],
  };
  const rows = [root, payments, { ...root }, orphan, sameIdOtherSpan];
  const [trace, ...rest] = toJaegerTraces(rows);
  if (trace === undefined) throw new Error('no trace');

  const expected: JaegerTrace = {
    traceID: TRACE_ID,
    spans: [
      {
        traceID: TRACE_ID,
        spanID: ROOT,
        operationName: 'GET /checkout',
        references: [],
        startTime: T0_US + 1,
        duration: 1000,
        tags: [
          { key: 'otel.scope.name', type: 'string', value: 'io.opentelemetry.http' },
          { key: 'otel.scope.version', type: 'string', value: '1.2.0' },
          { key: 'cache.hit', type: 'bool', value: false },
          { key: 'empty', type: 'string', value: '' },
          { key: 'http.request.method', type: 'string', value: 'GET' },
          { key: 'http.response.status_code', type: 'int64', value: 200 },
          { key: 'http.route', type: 'string', value: '/checkout' },
          { key: 'int64.max', type: 'int64', value: '9223372036854775807' },
          { key: 'int64.safe', type: 'int64', value: -9007199254740991 },
          { key: 'int64.unsafe', type: 'int64', value: '9007199254740992' },
          { key: 'overflow', type: 'string', value: '92233720368547758070' },
          { key: 'ratio', type: 'float64', value: 0.25 },
          { key: 'zip', type: 'string', value: '007' },
          { key: 'span.kind', type: 'string', value: 'server' },
          { key: 'otel.status_code', type: 'string', value: 'OK' },
          { key: 'w3c.tracestate', type: 'string', value: 'rojo=00f067aa0ba902b7' },
        ],
        logs: [
          {
            timestamp: T0_US + 10,
            fields: [
              { key: 'event', type: 'string', value: 'custom-name' },
              { key: 'key', type: 'string', value: 'cart:42' },
            ],
          },
          { timestamp: T0_US + 10, fields: [{ key: 'bytes.read', type: 'int64', value: 512 }] },
          {
            timestamp: T0_US + 50,
            fields: [
              { key: 'event', type: 'string', value: 'exception' },
              { key: 'exception.escaped', type: 'bool', value: true },
              { key: 'exception.message', type: 'string', value: 'upstream timed out' },
              { key: 'exception.type', type: 'string', value: 'TimeoutError' },
            ],
          },
        ],
        processID: 'p1',
        warnings: null,
      },
      {
        traceID: TRACE_ID,
        spanID: PAY,
        operationName: 'POST /pay',
        references: [
          { refType: 'CHILD_OF', traceID: TRACE_ID, spanID: ROOT },
          { refType: 'FOLLOWS_FROM', traceID: OTHER_TRACE, spanID: 'b7ad6b7169203331' },
          { refType: 'CHILD_OF', traceID: TRACE_ID, spanID: ORPHAN },
        ],
        startTime: T0_US + 100,
        duration: 700,
        tags: [
          { key: 'span.kind', type: 'string', value: 'client' },
          { key: 'otel.status_code', type: 'string', value: 'ERROR' },
          { key: 'error', type: 'bool', value: true },
          { key: 'otel.status_description', type: 'string', value: 'card declined' },
        ],
        logs: [],
        processID: 'p2',
        warnings: null,
      },
      {
        traceID: TRACE_ID,
        spanID: ORPHAN,
        operationName: 'flush',
        references: [{ refType: 'CHILD_OF', traceID: TRACE_ID, spanID: 'deadbeefdeadbeef' }],
        startTime: T0_US + 900,
        duration: 50,
        tags: [],
        logs: [],
        processID: 'p1',
        warnings: ['parent span ID=deadbeefdeadbeef is not in the trace; skipping clock skew adjustment'],
      },
      {
        traceID: TRACE_ID,
        spanID: PAY,
        operationName: 'POST /pay (retry)',
        references: [{ refType: 'CHILD_OF', traceID: TRACE_ID, spanID: ROOT }],
        startTime: T0_US + 100,
        duration: 700,
        tags: [
          { key: 'span.kind', type: 'string', value: 'client' },
          { key: 'otel.status_code', type: 'string', value: 'ERROR' },
          { key: 'error', type: 'bool', value: true },
          { key: 'otel.status_description', type: 'string', value: 'card declined' },
        ],
        logs: [],
        processID: 'p2',
        warnings: ['duplicate span IDs; skipping clock skew adjustment'],
      },
    ],
    processes: {
      p1: {
        serviceName: 'frontend',
        tags: [
          { key: 'k8s.pod.name', type: 'string', value: 'frontend-7d9f' },
          { key: 'process.pid', type: 'int64', value: 4242 },
          { key: 'service.version', type: 'string', value: '1.4.2' },
        ],
      },
      p2: { serviceName: 'payments', tags: [] },
    },
    warnings: null,
  };

  it('produces exactly the Jaeger model', () => {
    expect(rest).toEqual([]);
    expect(trace).toEqual(expected);
  });

  it('keeps the fields in Go struct order, which some clients diff on', () => {
    expect(Object.keys(trace)).toEqual(['traceID', 'spans', 'processes', 'warnings']);
    expect(Object.keys(trace.spans[0] ?? {})).toEqual([
      'traceID',
      'spanID',
      'operationName',
      'references',
      'startTime',
      'duration',
      'tags',
      'logs',
      'processID',
      'warnings',
    ]);
    expect(Object.keys(trace.processes)).toEqual(['p1', 'p2']);
  });

  it('validates against the model schema and serialises as Jaeger does (null warnings)', () => {
    expect(jaegerTraceSchema.parse(trace)).toEqual(trace);
    const body = JSON.parse(JSON.stringify(jaegerResponse([trace]))) as unknown;
    const envelope = jaegerEnvelopeSchema(jaegerTraceSchema.array()).parse(body);
    expect(envelope).toMatchObject({ total: 0, limit: 0, offset: 0, errors: null });
    expect(JSON.stringify(trace)).toContain('"warnings":null}');
  });
});

describe('toJaegerTraces: grouping and edge cases', () => {
  it('groups rows by trace in first-seen order', () => {
    const a = spanRow('0000000000000001', '', 0, 10, { TraceId: 'a'.repeat(32) });
    const b = spanRow('0000000000000002', '', 0, 10, { TraceId: 'b'.repeat(32) });
    const a2 = spanRow('0000000000000003', '0000000000000001', 1, 5, { TraceId: 'a'.repeat(32) });
    const traces = toJaegerTraces([a, b, a2]);
    expect(traces.map((t) => [t.traceID, t.spans.map((s) => s.spanID)])).toEqual([
      ['a'.repeat(32), ['0000000000000001', '0000000000000003']],
      ['b'.repeat(32), ['0000000000000002']],
    ]);
    expect(toJaegerTraces([])).toEqual([]);
  });

  it('drops a copy of a span whose maps were read back in another key order', () => {
    const reordered = {
      ...root,
      SpanAttributes: Object.fromEntries(Object.entries(root.SpanAttributes).reverse()),
    };
    const [trace] = toJaegerTraces([root, orphan, reordered]);
    expect(trace?.spans.map((s) => s.spanID)).toEqual([ROOT, ORPHAN]);
  });

  it('a link to the parent restates the parent reference instead of adding one', () => {
    const child = spanRow('0000000000000002', ROOT, 0, 1, {
      'Links.TraceId': [TRACE_ID],
      'Links.SpanId': [ROOT],
      'Links.TraceState': [''],
      'Links.Attributes': [{}],
    });
    const [trace] = toJaegerTraces([spanRow(ROOT, '', 0, 10), child]);
    expect(trace?.spans[1]?.references).toEqual([
      { refType: 'FOLLOWS_FROM', traceID: TRACE_ID, spanID: ROOT },
    ]);
  });

  it('names a process without resource attributes as Jaeger does', () => {
    const bare = spanRow(ROOT, '', 0, 10, { ServiceName: '', ResourceAttributes: {} });
    expect(toJaegerTraces([bare])[0]?.processes).toEqual({
      p1: { serviceName: 'OTLPResourceNoServiceName', tags: [] },
    });
  });

  it('treats an all-zero parent id as no parent', () => {
    const [trace] = toJaegerTraces([spanRow(ROOT, '0000000000000000', 0, 10)]);
    expect(trace?.spans[0]?.references).toEqual([]);
    expect(trace?.spans[0]?.warnings).toBeNull();
  });

  it('converts µs from the ns strings without float rounding', () => {
    // as a float this ns value reads 1700000000123457024, whose µs would be one too many
    const late = spanRow(ROOT, '', 0, 0, { Timestamp: '1700000000123456999', Duration: 1999 });
    const span = toJaegerTraces([late])[0]?.spans[0];
    expect(Math.floor(Number('1700000000123456999') / 1000)).toBe(1700000000123457);
    expect(span?.startTime).toBe(1700000000123456);
    expect(span?.duration).toBe(1);
  });
});

describe('typed tags', () => {
  it.each([
    ['true', { type: 'bool', value: true }],
    ['false', { type: 'bool', value: false }],
    ['True', { type: 'string', value: 'True' }],
    ['0', { type: 'int64', value: 0 }],
    ['-0', { type: 'float64', value: -0 }], // Go prints a negative-zero float so
    ['+5', { type: 'string', value: '+5' }],
    ['9007199254740991', { type: 'int64', value: 9007199254740991 }],
    ['-9007199254740992', { type: 'int64', value: '-9007199254740992' }],
    ['-9223372036854775808', { type: 'int64', value: '-9223372036854775808' }],
    ['-9223372036854775809', { type: 'string', value: '-9223372036854775809' }],
    ['1.5', { type: 'float64', value: 1.5 }],
    ['-0.001', { type: 'float64', value: -0.001 }],
    ['6.02e23', { type: 'float64', value: 6.02e23 }],
    ['1e999', { type: 'string', value: '1e999' }],
    ['NaN', { type: 'string', value: 'NaN' }],
    ['.5', { type: 'string', value: '.5' }],
    ['1.', { type: 'string', value: '1.' }],
    ['10.0.0.1', { type: 'string', value: '10.0.0.1' }],
    ['["a","b"]', { type: 'string', value: '["a","b"]' }],
  ])('%s', (text, typed) => {
    expect(toJaegerKeyValue('k', text)).toEqual({ key: 'k', ...typed });
  });
});

describe('envelope', () => {
  it('error bodies carry the status and a null data', () => {
    expect(jaegerErrorResponse(400, "parameter 'limit': not an integer")).toEqual({
      data: null,
      total: 0,
      limit: 0,
      offset: 0,
      errors: [{ code: 400, msg: "parameter 'limit': not an integer" }],
    });
  });
});
