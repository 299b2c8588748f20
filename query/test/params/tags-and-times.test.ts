import { describe, expect, it } from 'vitest';
import { ParamError } from '../../src/params/errors.js';
import { parseJaegerTags } from '../../src/params/tags.js';
import {
  parseBoolParam,
  parseLimitParam,
  parseMillisParam,
  parseQuantileParam,
  parseRfc3339NanoParam,
  parseSpanKindParam,
  parseUnixMicrosParam,
  parseUnixMillisParam,
} from '../../src/params/time.js';

describe('Jaeger tag parameters', () => {
  it('reads repeated tag=key:value, splitting at the first colon', () => {
    expect(parseJaegerTags({ tag: ['error:true', 'url:http://h:80/x', 'empty:'] })).toEqual({
      error: 'true',
      url: 'http://h:80/x',
      empty: '',
    });
  });

  it('reads tags JSON maps, which win over simple tags', () => {
    expect(
      parseJaegerTags({
        tag: ['http.response.status_code:200', 'a:1'],
        tags: ['{"http.response.status_code":"500"}', '{"b":"2"}', 'null'],
      }),
    ).toEqual({ 'http.response.status_code': '500', a: '1', b: '2' });
    expect(parseJaegerTags({})).toEqual({});
  });

  it.each([
    [{ tag: ['error'] }, 'tag', `"error" is not key:value`],
    [{ tag: [':x'] }, 'tag', 'empty key'],
    [{ tags: ['{"a":'] }, 'tags', 'is not JSON'],
    [{ tags: ['["a"]'] }, 'tags', 'not a JSON object of strings'],
    [{ tags: ['"a"'] }, 'tags', 'not a JSON object of strings'],
    [{ tags: ['{"status":500}'] }, 'tags', `the value of "status" is a number; tag values must be strings`],
    [{ tags: ['{"ok":true}'] }, 'tags', 'is a boolean'],
    [{ tags: ['{"x":null}'] }, 'tags', 'is null'],
    [{ tags: ['{"x":{}}'] }, 'tags', 'is an object'],
  ])('rejects %j naming %s', (params, param, message) => {
    try {
      parseJaegerTags(params);
      expect.unreachable('should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(ParamError);
      expect(error).toMatchObject({ param });
      expect((error as Error).message).toContain(message);
      expect((error as Error).message).toContain(`invalid parameter '${param}'`);
    }
  });

  it('keeps a __proto__ tag as data', () => {
    const tags = parseJaegerTags({ tags: ['{"__proto__":"x"}'], tag: ['constructor:y'] });
    expect(Object.getPrototypeOf(tags)).toBe(Object.prototype);
    expect(Object.entries(tags)).toEqual([
      ['constructor', 'y'],
      ['__proto__', 'x'],
    ]);
  });
});

describe('epoch and integer parameters', () => {
  it('read µs and ms times; absent or empty means default', () => {
    expect(parseUnixMicrosParam('start', '1700000000000000')).toBe(1_700_000_000_000_000);
    expect(parseUnixMicrosParam('start', '+5')).toBe(5);
    expect(parseUnixMicrosParam('start', undefined)).toBeUndefined();
    expect(parseUnixMicrosParam('start', '')).toBeUndefined();
    expect(parseUnixMillisParam('endTs', '1700000000000')).toBe(1_700_000_000_000);
  });

  it.each([
    ['start', '1.5', parseUnixMicrosParam, 'is not a Unix time in microseconds'],
    ['start', '1e6', parseUnixMicrosParam, 'is not a Unix time in microseconds'],
    ['start', 'now', parseUnixMicrosParam, 'e.g. 1700000000000000'],
    ['end', '99999999999999999999', parseUnixMicrosParam, 'out of range'],
    ['endTs', ' 1', parseUnixMillisParam, 'is not a Unix time in milliseconds'],
    ['lookback', '-1', parseMillisParam, 'is negative'],
    ['lookback', '1h', parseMillisParam, 'is not a duration in milliseconds'],
    ['limit', '0', parseLimitParam, 'must be greater than 0'],
    ['limit', '-3', parseLimitParam, 'must be greater than 0'],
    ['limit', 'ten', parseLimitParam, 'is not a number of traces'],
    ['limit', '2147483648', parseLimitParam, 'too large'],
  ] as const)('%s=%j is rejected', (param, raw, parse, message) => {
    expect(() => parse(param, raw)).toThrow(ParamError);
    expect(() => parse(param, raw)).toThrow(`invalid parameter '${param}': `);
    expect(() => parse(param, raw)).toThrow(message);
  });

  it('reads limits, ms durations, booleans, span kinds and quantiles', () => {
    expect(parseLimitParam('limit', '20')).toBe(20);
    expect(parseMillisParam('step', '0')).toBe(0);
    expect(parseBoolParam('groupByOperation', 'true')).toBe(true);
    expect(parseBoolParam('groupByOperation', 'F')).toBe(false);
    expect(parseBoolParam('groupByOperation', '1')).toBe(true);
    expect(() => parseBoolParam('groupByOperation', 'yes')).toThrow("invalid parameter 'groupByOperation'");
    expect(parseSpanKindParam('spanKind', 'server')).toBe('Server');
    expect(parseSpanKindParam('spanKind', 'consumer')).toBe('Consumer');
    expect(() => parseSpanKindParam('spanKind', 'Server')).toThrow('unsupported span kind "Server"');
    expect(parseQuantileParam('quantile', '0.95')).toBe(0.95);
    expect(parseQuantileParam('quantile', '1')).toBe(1);
    expect(() => parseQuantileParam('quantile', '0')).toThrow('between 0 and 1');
    expect(() => parseQuantileParam('quantile', '95')).toThrow('between 0 and 1');
    expect(() => parseQuantileParam('quantile', 'NaN')).toThrow('between 0 and 1');
  });
});

describe('RFC 3339 (api_v3)', () => {
  it.each([
    ['1970-01-01T00:00:00Z', 0n],
    ['2023-11-14T22:13:20Z', 1_700_000_000_000_000_000n],
    ['2023-11-14T22:13:20.5Z', 1_700_000_000_500_000_000n],
    ['2023-11-14T22:13:20.123456789Z', 1_700_000_000_123_456_789n],
    ['2023-11-15T00:13:20+02:00', 1_700_000_000_000_000_000n],
    ['2023-11-14T17:43:20.000000001-04:30', 1_700_000_000_000_000_001n],
    ['2024-02-29T00:00:00Z', 1_709_164_800_000_000_000n],
    ['2000-02-29T00:00:00Z', 951_782_400_000_000_000n],
    ['1969-12-31T23:59:59.999999999Z', -1n],
  ])('%s', (text, ns) => {
    expect(parseRfc3339NanoParam('query.start_time_min', text)).toBe(ns);
  });

  it('matches Date for whole milliseconds across a range of dates', () => {
    for (let ms = -5e12; ms <= 5e12; ms += 123_456_789_012) {
      const iso = new Date(ms).toISOString();
      expect(parseRfc3339NanoParam('t', iso)).toBe(BigInt(ms) * 1_000_000n);
    }
  });

  it.each([
    ['2023-11-14 22:13:20Z', 'is not an RFC 3339 time'],
    ['2023-11-14t22:13:20z', 'is not an RFC 3339 time'],
    ['2023-11-14T22:13:20', 'is not an RFC 3339 time'],
    ['2023-11-14T22:13:20.1234567890Z', 'is not an RFC 3339 time'],
    ['1700000000', 'is not an RFC 3339 time'],
    ['2023-02-29T00:00:00Z', 'is not a calendar date'],
    ['1900-02-29T00:00:00Z', 'is not a calendar date'],
    ['2023-13-01T00:00:00Z', 'is not a calendar date'],
    ['2023-04-31T00:00:00Z', 'is not a calendar date'],
    ['2023-11-14T24:00:00Z', 'is not a time of day'],
    ['2023-11-14T23:59:60Z', 'is not a time of day'],
    ['2023-11-14T23:00:00+24:00', 'has an impossible UTC offset'],
  ])('rejects %j', (text, message) => {
    expect(() => parseRfc3339NanoParam('query.start_time_min', text)).toThrow(
      `invalid parameter 'query.start_time_min': ${JSON.stringify(text)} ${message}`,
    );
  });

  it('treats an absent value as absent', () => {
    expect(parseRfc3339NanoParam('query.start_time_max', undefined)).toBeUndefined();
  });
});
