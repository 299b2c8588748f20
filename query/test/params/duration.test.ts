import { describe, expect, it } from 'vitest';
import {
  DurationSyntaxError,
  parseDurationParamNs,
  parseDurationParamUs,
  parseGoDurationNs,
  parseGoDurationUs,
} from '../../src/params/duration.js';
import { ParamError } from '../../src/params/errors.js';

describe('Go duration parser', () => {
  // values checked against Go's time.ParseDuration
  it.each([
    ['0', 0n],
    ['+0', 0n],
    ['-0', 0n],
    ['0s', 0n],
    ['5s', 5_000_000_000n],
    ['1.5s', 1_500_000_000n],
    ['.5s', 500_000_000n],
    ['1.s', 1_000_000_000n],
    ['300ms', 300_000_000n],
    ['10us', 10_000n],
    ['10µs', 10_000n],
    ['10μs', 10_000n],
    ['7ns', 7n],
    ['1h2m', 3_720_000_000_000n],
    ['1h2m3.5s', 3_723_500_000_000n],
    ['2m1h', 3_720_000_000_000n],
    ['1.0000000001s', 1_000_000_000n], // below a nanosecond is truncated
    ['0.3h', 1_080_000_000_000n],
    ['-1.5h', -5_400_000_000_000n],
    ['+3ms', 3_000_000n],
    ['9223372036854775807ns', 9_223_372_036_854_775_807n],
    ['-9223372036854775808ns', -9_223_372_036_854_775_808n],
    ['2562047h47m16.854775807s', 9_223_372_036_854_775_807n],
  ])('%s', (text, ns) => {
    expect(parseGoDurationNs(text)).toBe(ns);
  });

  it.each([
    ['', 'not a duration'],
    ['-', 'not a duration'],
    ['+', 'not a duration'],
    ['.', 'not a duration'],
    ['-.s', 'not a duration'],
    ['5', 'without a unit'],
    ['00', 'without a unit'],
    ['1h2', 'without a unit'],
    ['1.5.3s', 'without a unit'],
    ['5sec', 'unknown unit "sec"'],
    ['5 s', 'unknown unit " s"'],
    ['5S', 'unknown unit "S"'],
    ['1d', 'unknown unit "d"'],
    ['1e3s', 'unknown unit "e"'],
    ['s', 'not a duration'],
    ['9223372036854775808ns', 'longer than the largest duration'],
    ['2562048h', 'longer than the largest duration'],
    ['-9223372036854775809ns', 'longer than the largest duration'],
  ])('rejects %j', (text, message) => {
    expect(() => parseGoDurationNs(text)).toThrow(DurationSyntaxError);
    expect(() => parseGoDurationNs(text)).toThrow(message);
  });

  it('converts to µs truncating toward zero, like Duration.Microseconds', () => {
    expect(parseGoDurationUs('1500ns')).toBe(1);
    expect(parseGoDurationUs('-1500ns')).toBe(-1);
    expect(parseGoDurationUs('1.5ms')).toBe(1500);
  });
});

describe('duration parameters', () => {
  it('name the parameter and say what to write', () => {
    const attempt = (): bigint => parseDurationParamNs('minDuration', '5');
    expect(attempt).toThrow(ParamError);
    expect(attempt).toThrow(
      `invalid parameter 'minDuration': "5" has a number without a unit: use ns, us (or µs), ms, s, m or h, as in 300ms, 1.5s or 1h2m`,
    );
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ param: 'minDuration' });
    }
  });

  it('reject negative durations', () => {
    expect(() => parseDurationParamUs('maxDuration', '-1s')).toThrow(
      `invalid parameter 'maxDuration': "-1s" is negative; a duration here must be 0 or more`,
    );
    expect(() => parseDurationParamUs('maxDuration', '-')).toThrow("invalid parameter 'maxDuration'");
  });

  it('return µs or exact ns', () => {
    expect(parseDurationParamUs('minDuration', '1.5s')).toBe(1_500_000);
    expect(parseDurationParamNs('query.durationMin', '1h')).toBe(3_600_000_000_000n);
  });
});
