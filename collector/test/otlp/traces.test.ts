import { ROOT_CONTEXT, SpanKind, SpanStatusCode, createTraceState, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/otlp/errors.js';
import { decodeTraceRequestJson } from '../../src/otlp/json/traces.js';
import { decodeTraceRequest } from '../../src/otlp/proto/traces.js';
import type { SpanRow } from '../../src/storage/rows.js';
import { encode, hexBytes, kv, type Field } from './encode.js';
import { hrDurationNs, hrNs, recordSpans, traceRequest } from './sdk.js';

const T0 = 1_700_000_000;
const REMOTE_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const REMOTE_SPAN = '00f067aa0ba902b7';

/** A small mesh request as an SDK records it: every span kind, every attribute type, events and links. */
function recordMeshRequest(): Promise<ReadableSpan[]> {
  return recordSpans((tracer) => {
    const remoteParent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: REMOTE_TRACE,
      spanId: REMOTE_SPAN,
      traceFlags: 1,
      isRemote: true,
      traceState: createTraceState('mesh=canary,vendor=1'),
    });
    const server = tracer.startSpan(
      'GET /reviews/{id}',
      {
        kind: SpanKind.SERVER,
        startTime: [T0, 123_456_789],
        attributes: {
          'http.request.method': 'GET',
          'http.response.status_code': 503,
          'server.port': 9080,
          'retry.budget': -42,
          'big.int': 2 ** 53,
          'sampling.ratio': 0.25,
          'tiny.ratio': 1e-7,
          'cache.hit': true,
          'cache.warm': false,
          'route.tags': ['canary', 'v2'],
          'upstream.ports': [80, 443],
          'upstream.weights': [0.5, 1.25],
          'feature.flags': [true, false],
        },
      },
      remoteParent,
    );
    server.addEvent('retry', { attempt: 2, 'retry.reason': 'reset' }, [T0, 200_000_001]);
    server.addEvent('exception', { 'exception.type': 'UpstreamTimeout' }, [T0, 300_000_000]);
    server.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timeout' });
    const inServer = trace.setSpan(remoteParent, server);
    const client = tracer.startSpan(
      'GET',
      {
        kind: SpanKind.CLIENT,
        startTime: [T0, 130_000_000],
        links: [{ context: server.spanContext(), attributes: { 'link.kind': 'retry-of' } }],
      },
      inServer,
    );
    client.setStatus({ code: SpanStatusCode.OK });
    client.end([T0, 290_000_000]);
    for (const [kind, name] of [
      [SpanKind.PRODUCER, 'publish ratings'],
      [SpanKind.CONSUMER, 'process ratings'],
      [SpanKind.INTERNAL, 'render'],
    ] as const) {
      tracer.startSpan(name, { kind, startTime: [T0, 140_000_000] }, inServer).end([T0 + 1, 0]);
    }
    server.end([T0 + 2, 5]);
  });
}

function byName(rows: SpanRow[], name: string): SpanRow {
  const row = rows.find((r) => r.SpanName === name);
  if (!row) throw new Error(`no row for span '${name}'`);
  return row;
}

describe('decodeTraceRequest (protobuf from the OpenTelemetry JS SDK)', () => {
  it('turns every field of real SDK spans into clickhouseexporter rows', async () => {
    const spans = await recordMeshRequest();
    const decoded = decodeTraceRequest(traceRequest(spans, 'protobuf'));

    expect(decoded.rejectedSpans).toBe(0);
    expect(decoded.errorMessage).toBe('');
    expect(decoded.spans).toHaveLength(5);

    const server = spans.find((s) => s.name === 'GET /reviews/{id}')!;
    const client = spans.find((s) => s.name === 'GET')!;
    const row = byName(decoded.spans, 'GET /reviews/{id}');
    expect(row).toEqual({
      Timestamp: '1700000000123456789',
      TraceId: REMOTE_TRACE,
      SpanId: server.spanContext().spanId,
      ParentSpanId: REMOTE_SPAN,
      TraceState: 'mesh=canary,vendor=1',
      SpanName: 'GET /reviews/{id}',
      SpanKind: 'Server',
      ServiceName: 'reviews',
      ResourceAttributes: Object.fromEntries(
        Object.entries(server.resource.attributes).map(([k, v]) => [k, String(v)]),
      ),
      ScopeName: 'meshscope-test',
      ScopeVersion: '1.2.3',
      SpanAttributes: {
        'http.request.method': 'GET',
        'http.response.status_code': '503',
        'server.port': '9080',
        'retry.budget': '-42',
        'big.int': '9007199254740992',
        'sampling.ratio': '0.25',
        'tiny.ratio': '1e-7',
        'cache.hit': 'true',
        'cache.warm': 'false',
        'route.tags': '["canary","v2"]',
        'upstream.ports': '[80,443]',
        'upstream.weights': '[0.5,1.25]',
        'feature.flags': '[true,false]',
      },
      Duration: 1_876_543_216,
      StatusCode: 'Error',
      StatusMessage: 'upstream timeout',
      'Events.Timestamp': ['1700000000200000001', '1700000000300000000'],
      'Events.Name': ['retry', 'exception'],
      'Events.Attributes': [
        { attempt: '2', 'retry.reason': 'reset' },
        { 'exception.type': 'UpstreamTimeout' },
      ],
      'Links.TraceId': [],
      'Links.SpanId': [],
      'Links.TraceState': [],
      'Links.Attributes': [],
    });
    expect(row.ResourceAttributes).toMatchObject({
      'service.name': 'reviews',
      'k8s.namespace.name': 'bookinfo',
    });

    const clientRow = byName(decoded.spans, 'GET');
    expect(clientRow).toMatchObject({
      Timestamp: hrNs(client.startTime),
      TraceId: REMOTE_TRACE,
      SpanId: client.spanContext().spanId,
      ParentSpanId: server.spanContext().spanId,
      TraceState: 'mesh=canary,vendor=1',
      SpanKind: 'Client',
      Duration: hrDurationNs(client.startTime, client.endTime),
      StatusCode: 'Ok',
      StatusMessage: '',
      'Links.TraceId': [REMOTE_TRACE],
      'Links.SpanId': [server.spanContext().spanId],
      'Links.TraceState': ['mesh=canary,vendor=1'],
      'Links.Attributes': [{ 'link.kind': 'retry-of' }],
    });
    expect(byName(decoded.spans, 'publish ratings').SpanKind).toBe('Producer');
    expect(byName(decoded.spans, 'process ratings').SpanKind).toBe('Consumer');
    expect(byName(decoded.spans, 'render')).toMatchObject({
      SpanKind: 'Internal',
      StatusCode: 'Unset',
      Duration: 860_000_000,
    });
  });

  it('produces the same rows from the SDK’s OTLP/JSON as from its protobuf', async () => {
    const spans = await recordMeshRequest();
    const fromJson = decodeTraceRequestJson(traceRequest(spans, 'json'));
    expect(fromJson.rejectedSpans).toBe(0);
    expect(fromJson.spans).toEqual(decodeTraceRequest(traceRequest(spans, 'protobuf')).spans);
  });

  it('accepts an empty request', () => {
    expect(decodeTraceRequest(Buffer.alloc(0))).toEqual({ spans: [], rejectedSpans: 0, errorMessage: '' });
  });
});

// --- hand-built requests: what the SDK cannot produce ---------------------------------------------------

const TRACE = 'aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb';
const SPAN = 'cccccccccccccccc';
const START = 1_700_000_000_123_456_789n;

function span(extra: readonly Field[] = [], ids: { trace?: string; span?: string } = {}): Field {
  return [
    2,
    'message',
    [
      [1, 'bytes', hexBytes(ids.trace ?? TRACE)],
      [2, 'bytes', hexBytes(ids.span ?? SPAN)],
      [5, 'string', 'op'],
      [7, 'fixed64', START],
      [8, 'fixed64', START + 1_000n],
      ...extra,
    ],
  ];
}

function request(
  spans: readonly Field[],
  resource: readonly Field[] = [kv(1, 'service.name', [[1, 'string', 'svc']])],
): Buffer {
  return encode([
    [
      1,
      'message',
      [
        [1, 'message', resource],
        [
          2,
          'message',
          [
            [
              1,
              'message',
              [
                [1, 'string', 'scope'],
                [2, 'string', '0.1'],
              ],
            ],
            ...spans,
          ],
        ],
      ],
    ],
  ]);
}

describe('attribute values (pdata AsString spellings)', () => {
  const attr = (key: string, value: readonly Field[]): Field => kv(9, key, value);
  const anyValue = (...fields: Field[]): readonly Field[] => fields;
  const arrayOf = (...values: (readonly Field[])[]): Field => [
    5,
    'message',
    values.map((v): Field => [1, 'message', v]),
  ];

  it('stringifies every AnyValue type like the OpenTelemetry Collector', () => {
    const decoded = decodeTraceRequest(
      request([
        span([
          attr('str', anyValue([1, 'string', 'héllo "mesh"'])),
          attr('int.max', anyValue([3, 'int64', 2n ** 63n - 1n])),
          attr('int.min', anyValue([3, 'int64', -(2n ** 63n)])),
          attr('int.zero', anyValue([3, 'int64', 0n])),
          attr('double.big', anyValue([4, 'double', 1e21])),
          attr('double.fixed', anyValue([4, 'double', 123456789.125])),
          attr('double.negzero', anyValue([4, 'double', -0])),
          attr('double.nan', anyValue([4, 'double', NaN])),
          attr('double.inf', anyValue([4, 'double', -Infinity])),
          attr('bytes', anyValue([7, 'bytes', Buffer.from([0, 1, 2, 250, 251, 252])])),
          attr('empty', anyValue()),
          attr(
            'kvlist',
            anyValue([
              6,
              'message',
              [
                kv(1, 'zeta', [[3, 'int64', 1n]]),
                kv(1, 'alpha', [[1, 'string', 'x']]),
                kv(1, 'alpha', [[1, 'string', 'last wins']]),
                kv(1, 'nested', [arrayOf([[2, 'varint', 1]], [[7, 'bytes', Buffer.from('hi')]], [])]),
              ],
            ]),
          ),
          attr('array.nan', anyValue(arrayOf([[4, 'double', 1.5]], [[4, 'double', NaN]]))),
          attr('array.lines', anyValue(arrayOf([[1, 'string', 'a\u2028b']]))),
        ]),
      ]),
    );
    expect(decoded.spans[0]?.SpanAttributes).toEqual({
      str: 'héllo "mesh"',
      'int.max': '9223372036854775807',
      'int.min': '-9223372036854775808',
      'int.zero': '0',
      'double.big': '1e+21',
      'double.fixed': '123456789.125',
      'double.negzero': '-0',
      'double.nan': 'json: unsupported value: NaN',
      'double.inf': 'json: unsupported value: -Inf',
      bytes: 'AAEC+vv8',
      empty: '',
      kvlist: '{"alpha":"last wins","nested":[true,"aGk=",null],"zeta":1}',
      // Go's json.Marshal fails on NaN, and AsString then returns ''.
      'array.nan': '',
      'array.lines': '["a\\u2028b"]',
    });
  });

  it('keeps an attribute named __proto__ as data', () => {
    const decoded = decodeTraceRequest(request([span([attr('__proto__', anyValue([1, 'string', 'x']))])]));
    const attributes = decoded.spans[0]!.SpanAttributes;
    expect(Object.keys(attributes)).toEqual(['__proto__']);
    expect(attributes['__proto__']).toBe('x');
    expect(Object.getPrototypeOf(attributes)).toBe(Object.prototype);
  });

  it('refuses values nested deeper than 32 levels instead of recursing without bound', () => {
    let value: readonly Field[] = [[1, 'string', 'leaf']];
    for (let i = 0; i < 40; i++) value = [arrayOf(value)];
    expect(() => decodeTraceRequest(request([span([attr('deep', value)])]))).toThrow(/nested deeper than 32/);
  });
});

describe('span validation and partial success', () => {
  it('rejects invalid spans one by one, keeps the rest and names the first problem', () => {
    const decoded = decodeTraceRequest(
      request([
        span([[4, 'bytes', hexBytes('1111111111111111')]]),
        span([], { trace: 'aaaaaaaaaaaaaaaa' }),
        span([], { trace: '00000000000000000000000000000000' }),
        span([], { span: '0000000000000000' }),
        span([], { span: '' }),
        span([[4, 'bytes', hexBytes('11111111')]]),
        span([[7, 'fixed64', 0n]]),
        span([[8, 'fixed64', START - 1n]]),
      ]),
    );
    expect(decoded.spans).toHaveLength(1);
    expect(decoded.spans[0]?.ParentSpanId).toBe('1111111111111111');
    expect(decoded.rejectedSpans).toBe(7);
    expect(decoded.errorMessage).toBe(
      "7 spans rejected; first: span 'op' (span_id cccccccccccccccc): trace_id must be 16 bytes, got 8",
    );
  });

  it.each([
    ['zero trace id', [], { trace: '00000000000000000000000000000000' }, 'trace_id is all zeros'],
    ['zero span id', [], { span: '0000000000000000' }, 'span_id is all zeros'],
    ['missing span id', [], { span: '' }, 'span_id is missing'],
    [
      'short parent',
      [[4, 'bytes', hexBytes('11111111')]],
      {},
      'parent_span_id must be empty or 8 bytes, got 4',
    ],
    ['no start time', [[7, 'fixed64', 0n]], {}, 'start_time_unix_nano is 0'],
    [
      'end before start',
      [[8, 'fixed64', START - 1n]],
      {},
      'end_time_unix_nano is before start_time_unix_nano',
    ],
  ] as const)('reports %s', (_name, extra, ids, problem) => {
    const decoded = decodeTraceRequest(request([span(extra, ids)]));
    expect(decoded.spans).toHaveLength(0);
    expect(decoded.rejectedSpans).toBe(1);
    expect(decoded.errorMessage).toContain(problem);
  });

  it('writes an all-zero parent id as no parent, as the exporter does', () => {
    const decoded = decodeTraceRequest(request([span([[4, 'bytes', hexBytes('0000000000000000')]])]));
    expect(decoded.spans[0]?.ParentSpanId).toBe('');
  });

  it('keeps nanosecond timestamps exact beyond 2^53, up to the largest fixed64', () => {
    const max = 2n ** 64n - 1n;
    const decoded = decodeTraceRequest(
      request([
        span([[8, 'fixed64', START + 1n]]),
        span([
          [7, 'fixed64', max - 10n],
          [8, 'fixed64', max],
        ]),
      ]),
    );
    expect(decoded.spans.map((s) => [s.Timestamp, s.Duration])).toEqual([
      ['1700000000123456789', 1],
      ['18446744073709551605', 10],
    ]);
  });

  it("uses '' as ServiceName when the resource has no service.name", () => {
    const decoded = decodeTraceRequest(request([span()], [kv(1, 'host.name', [[1, 'string', 'node-1']])]));
    expect(decoded.spans[0]).toMatchObject({
      ServiceName: '',
      ResourceAttributes: { 'host.name': 'node-1' },
    });
  });
});

describe('wire robustness', () => {
  it('reads fields in any order: spans before their resource and scope', () => {
    const body = encode([
      [
        1,
        'message',
        [
          [2, 'message', [span(), [1, 'message', [[1, 'string', 'late-scope']]]]],
          [1, 'message', [kv(1, 'service.name', [[1, 'string', 'late-service']])]],
        ],
      ],
    ]);
    expect(decodeTraceRequest(body).spans[0]).toMatchObject({
      ServiceName: 'late-service',
      ScopeName: 'late-scope',
    });
  });

  it('skips unknown fields at every depth, including groups and wrong wire types', () => {
    const unknown: readonly Field[] = [
      [99, 'varint', 7],
      [100, 'string', 'future'],
      [101, 'fixed32', 1],
      [102, 'message', [[1, 'message', [[1, 'string', 'deep']]]]],
      [
        103,
        'group',
        [
          [1, 'varint', 1],
          [2, 'group', [[1, 'string', 'nested group']]],
        ],
      ],
    ];
    const plain = decodeTraceRequest(request([span([kv(9, 'k', [[1, 'string', 'v']])])]));
    const body = encode([
      ...unknown,
      [
        1,
        'message',
        [
          ...unknown,
          [1, 'message', [...unknown, kv(1, 'service.name', [[1, 'string', 'svc'], ...unknown])]],
          [
            2,
            'message',
            [
              ...unknown,
              [1, 'message', [[1, 'string', 'scope'], [2, 'string', '0.1'], ...unknown]],
              span([
                ...unknown,
                // known field numbers with the wrong wire type are skipped like unknown fields
                [6, 'string', 'kind as a string'],
                [2, 'varint', 5],
                [7, 'varint', 1],
                kv(9, 'k', [[1, 'string', 'v'], ...unknown]),
              ]),
            ],
          ],
        ],
      ],
    ]);
    const decoded = decodeTraceRequest(body);
    expect(decoded.rejectedSpans).toBe(0);
    expect(decoded.spans).toEqual(plain.spans);
  });

  it.each([
    ['text', Buffer.from('this is not protobuf at all')],
    ['a length prefix past the end', Buffer.from([0x0a, 0x7f, 0x0a, 0x02])],
    ['a nested length past its parent', encode([[1, 'bytes', Buffer.from([0x12, 0x20, 0x01])]])],
    ['wire type 7', Buffer.from([0x0f, 0x01])],
    ['field number 0', Buffer.from([0x02, 0x00])],
    ['an unterminated varint', Buffer.from([0x08, 0xff, 0xff, 0xff])],
    ['groups nested past the recursion limit', Buffer.from([...Array<number>(2000).fill(0x0b)])],
  ])('throws a DecodeError for %s', (_name, body) => {
    expect(() => decodeTraceRequest(body)).toThrow(DecodeError);
  });

  it('throws a DecodeError for a truncated SDK request', async () => {
    const body = traceRequest(await recordMeshRequest(), 'protobuf');
    for (const cut of [1, 17, Math.floor(body.length / 2), body.length - 1]) {
      expect(() => decodeTraceRequest(body.subarray(0, cut)), `cut at ${cut}`).toThrow(DecodeError);
    }
  });
});
