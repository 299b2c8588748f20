import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/otlp/errors.js';
import { decodeTraceRequestJson } from '../../src/otlp/json/traces.js';
import { decodeTraceRequest } from '../../src/otlp/proto/traces.js';
import { encode, hexBytes, kv } from './encode.js';

const TRACE = '5B8EFFF798038103D269B633813FC60C';
const SPAN = 'EEE19B7EC3C1B174';

/** One span in OTLP/JSON as the spec writes it (lowerCamelCase, integer enums, int64 as strings). */
function spanJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    traceId: TRACE,
    spanId: SPAN,
    parentSpanId: '',
    name: 'GET /ratings',
    kind: 2,
    startTimeUnixNano: '1700000000123456789',
    endTimeUnixNano: '1700000000223456789',
    attributes: [{ key: 'http.response.status_code', value: { intValue: '200' } }],
    status: { code: 2, message: 'boom' },
    ...overrides,
  };
}

function requestJson(spans: unknown[], resourceAttributes: unknown[] = []): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: {
          attributes: [{ key: 'service.name', value: { stringValue: 'ratings' } }, ...resourceAttributes],
        },
        scopeSpans: [{ scope: { name: 'lib', version: '1' }, spans }],
      },
    ],
  });
}

describe('decodeTraceRequestJson', () => {
  it('reads the OTLP/JSON encoding: hex ids (any case), integer enums, int64 strings', () => {
    const decoded = decodeTraceRequestJson(requestJson([spanJson()]));
    expect(decoded.rejectedSpans).toBe(0);
    expect(decoded.spans[0]).toMatchObject({
      Timestamp: '1700000000123456789',
      TraceId: TRACE.toLowerCase(),
      SpanId: SPAN.toLowerCase(),
      ParentSpanId: '',
      SpanKind: 'Server',
      ServiceName: 'ratings',
      ScopeName: 'lib',
      ScopeVersion: '1',
      SpanAttributes: { 'http.response.status_code': '200' },
      Duration: 100_000_000,
      StatusCode: 'Error',
      StatusMessage: 'boom',
    });
  });

  it('accepts enum names, int64 as numbers and the snake_case field names', () => {
    const body = JSON.stringify({
      resource_spans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'ratings' } }] },
          scope_spans: [
            {
              scope: { name: 'lib', version: '1' },
              spans: [
                {
                  trace_id: TRACE,
                  span_id: SPAN,
                  name: 'GET /ratings',
                  kind: 'SPAN_KIND_SERVER',
                  start_time_unix_nano: 1_700_000_000_000,
                  end_time_unix_nano: 1_700_000_000_500,
                  attributes: [
                    { key: 'n', value: { int_value: 200 } },
                    { key: 'd', value: { double_value: 'NaN' } },
                    { key: 'b', value: { bytes_value: 'AAEC-vv8' } },
                    {
                      key: 'l',
                      value: {
                        kvlist_value: { values: [{ key: 'z', value: { bool_value: true } }, { key: 'a' }] },
                      },
                    },
                  ],
                  status: { code: 'STATUS_CODE_OK' },
                },
              ],
            },
          ],
        },
      ],
    });
    const decoded = decodeTraceRequestJson(body);
    expect(decoded.spans[0]).toMatchObject({
      Timestamp: '1700000000000',
      SpanKind: 'Server',
      StatusCode: 'Ok',
      Duration: 500,
      SpanAttributes: {
        n: '200',
        d: 'json: unsupported value: NaN',
        b: 'AAEC+vv8',
        l: '{"a":null,"z":true}',
      },
    });
  });

  it('gives the same row as the protobuf decoder for the same span', () => {
    const proto = encode([
      [
        1,
        'message',
        [
          [1, 'message', [kv(1, 'service.name', [[1, 'string', 'ratings']])]],
          [
            2,
            'message',
            [
              [
                1,
                'message',
                [
                  [1, 'string', 'lib'],
                  [2, 'string', '1'],
                ],
              ],
              [
                2,
                'message',
                [
                  [1, 'bytes', hexBytes(TRACE)],
                  [2, 'bytes', hexBytes(SPAN)],
                  [5, 'string', 'GET /ratings'],
                  [6, 'varint', 2],
                  [7, 'fixed64', 1_700_000_000_123_456_789n],
                  [8, 'fixed64', 1_700_000_000_223_456_789n],
                  kv(9, 'http.response.status_code', [[3, 'int64', 200n]]),
                  [
                    15,
                    'message',
                    [
                      [2, 'string', 'boom'],
                      [3, 'varint', 2],
                    ],
                  ],
                ],
              ],
            ],
          ],
        ],
      ],
    ]);
    expect(decodeTraceRequestJson(requestJson([spanJson()])).spans).toEqual(decodeTraceRequest(proto).spans);
  });

  it('rejects a span whose ids are not hex (base64 from an old sender) and keeps the others', () => {
    const decoded = decodeTraceRequestJson(
      requestJson([spanJson(), spanJson({ traceId: 'W47/95gDgQPSabYzgT/GDA==' }), spanJson({ spanId: '' })]),
    );
    expect(decoded.spans).toHaveLength(1);
    expect(decoded.rejectedSpans).toBe(2);
    expect(decoded.errorMessage).toContain('trace_id must be hex (OTLP/JSON encodes ids as hex, not base64)');
  });

  it('accepts an empty object as an empty request', () => {
    expect(decodeTraceRequestJson('{}')).toEqual({ spans: [], rejectedSpans: 0, errorMessage: '' });
  });

  it.each([
    ['invalid JSON', '{"resourceSpans": [', /not valid JSON/],
    ['a top-level array', '[]', /request: expected an object, got an array/],
    [
      'spans that are not a list',
      requestJson([]).replace('"spans":[]', '"spans":{}'),
      /scopeSpans\[0\]\.spans: expected an array, got object/,
    ],
    [
      'a timestamp that is not an integer',
      requestJson([spanJson({ startTimeUnixNano: '17e8' })]),
      /spans\[0\]\.startTimeUnixNano: expected an integer/,
    ],
    ['a negative timestamp', requestJson([spanJson({ endTimeUnixNano: '-1' })]), /out of the uint64 range/],
    [
      'an unknown enum name',
      requestJson([spanJson({ kind: 'SPAN_KIND_SIDECAR' })]),
      /unknown enum value 'SPAN_KIND_SIDECAR'/,
    ],
    [
      'an int attribute out of range',
      requestJson([spanJson({ attributes: [{ key: 'x', value: { intValue: '9223372036854775808' } }] })]),
      /out of the int64 range/,
    ],
  ])('throws a DecodeError naming the problem for %s', (_name, body, message) => {
    expect(() => decodeTraceRequestJson(body)).toThrow(DecodeError);
    expect(() => decodeTraceRequestJson(body)).toThrow(message);
  });
});
