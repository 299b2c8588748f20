import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../src/telemetry/otlp-exporter.js';
import {
  extractContext,
  injectContext,
  parseB3Single,
  parseTraceparent,
  parseTracestate,
} from '../../src/telemetry/trace-context.js';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const S = '00f067aa0ba902b7';

describe('W3C traceparent', () => {
  it('accepts a valid version-00 header', () => {
    expect(parseTraceparent(`00-${T}-${S}-01`)).toEqual({ traceId: T, spanId: S, flags: 1 });
  });
  it.each([
    [`00-${'0'.repeat(32)}-${S}-01`, 'all-zero trace id'],
    [`00-${T}-${'0'.repeat(16)}-01`, 'all-zero parent id'],
    [`ff-${T}-${S}-01`, 'version ff'],
    [`00-${T.toUpperCase()}-${S}-01`, 'uppercase'],
    [`00-${T}-${S}-01-extra`, 'extra fields on version 00'],
    [`00-${T}-${S}`, 'too short'],
  ])('rejects %s (%s)', (v) => {
    expect(parseTraceparent(v)).toBeUndefined();
  });
  it('parses a future version by its first four fields', () => {
    expect(parseTraceparent(`01-${T}-${S}-01-future`)?.traceId).toBe(T);
    expect(parseTraceparent(`01-${T}-${S}-01x`)).toBeUndefined();
  });
});

describe('tracestate', () => {
  it('keeps a valid list, drops empty members, refuses duplicates and bad keys', () => {
    expect(parseTracestate('a=1, ,b@t=2')).toBe('a=1,b@t=2');
    expect(parseTracestate('a=1,a=2')).toBeUndefined();
    expect(parseTracestate('A=1')).toBeUndefined();
    expect(parseTracestate('a=x=y')).toBeUndefined();
  });
  it('keeps at most 32 members (the leftmost)', () => {
    const many = Array.from({ length: 40 }, (_, i) => `k${i}=v`).join(',');
    const out = parseTracestate(many)?.split(',') ?? [];
    expect(out).toHaveLength(32);
    expect(out[0]).toBe('k0=v');
  });
});

describe('B3', () => {
  it('single header: sampled, debug, deny and parent', () => {
    expect(parseB3Single(`${T}-${S}-1-${S}`)).toMatchObject({ traceId: T, spanId: S, sampled: true });
    expect(parseB3Single(`${T}-${S}-d`)).toMatchObject({ sampled: true });
    expect(parseB3Single(`${T}-${S}-0`)).toMatchObject({ sampled: false });
    expect(parseB3Single('0')).toBe('deny');
    expect(parseB3Single(`${T}-${S}-x`)).toBeUndefined();
  });
  it('single wins over multi; W3C wins over both', () => {
    const other = 'a'.repeat(32);
    expect(extractContext({ b3: `${other}-${S}-1`, 'x-b3-traceid': T, 'x-b3-spanid': S })).toMatchObject({
      traceId: other,
      format: 'b3-single',
    });
    expect(extractContext({ traceparent: `00-${T}-${S}-00`, b3: `${other}-${S}-1` })).toMatchObject({
      traceId: T,
      sampled: false,
      format: 'w3c',
    });
    expect(
      extractContext({ 'x-b3-traceid': T, 'x-b3-spanid': S, 'x-b3-flags': '1', 'x-b3-sampled': '0' }),
    ).toMatchObject({ sampled: true });
  });
  it('injects W3C always and B3 in the style requested', () => {
    const out: string[] = [];
    injectContext(out, T, S, 'aaaaaaaaaaaaaaaa', true, 'k=v', 'b3-multi');
    expect(out).toEqual([
      'traceparent',
      `00-${T}-${S}-01`,
      'tracestate',
      'k=v',
      'x-b3-traceid',
      T,
      'x-b3-spanid',
      S,
      'x-b3-sampled',
      '1',
      'x-b3-parentspanid',
      'aaaaaaaaaaaaaaaa',
    ]);
  });
});

describe('Retry-After', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });
});
