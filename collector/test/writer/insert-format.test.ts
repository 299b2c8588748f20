import { describe, expect, it } from 'vitest';
import { SPAN_COLUMNS, type SpanRow } from '../../src/storage/rows.js';
import { spanRowJson } from '../../src/writer/insert.js';

describe('span rows as JSONCompactEachRow', () => {
  it('writes every column in SPAN_COLUMNS order, the order the INSERT names them', () => {
    const row: SpanRow = {
      Timestamp: '1700000000000000001',
      TraceId: '0af7651916cd43dd8448eb211c80319c',
      SpanId: 'b7ad6b7169203331',
      ParentSpanId: '00f067aa0ba902b7',
      TraceState: 'vendor=1',
      SpanName: 'GET /api',
      SpanKind: 'Server',
      ServiceName: 'reviews',
      ResourceAttributes: { 'service.name': 'reviews' },
      ScopeName: 'scope',
      ScopeVersion: '1.2.3',
      SpanAttributes: { 'http.route': '/api' },
      Duration: 42,
      StatusCode: 'Error',
      StatusMessage: 'boom',
      'Events.Timestamp': ['1700000000000000002'],
      'Events.Name': ['exception'],
      'Events.Attributes': [{ 'exception.type': 'Error' }],
      'Links.TraceId': ['1af7651916cd43dd8448eb211c80319c'],
      'Links.SpanId': ['c7ad6b7169203331'],
      'Links.TraceState': ['other=2'],
      'Links.Attributes': [{ link: 'yes' }],
    };
    expect(JSON.parse(spanRowJson(row))).toEqual(SPAN_COLUMNS.map((c) => row[c]));
  });
});
