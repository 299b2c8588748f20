import { describe, expect, it } from 'vitest';
import { parseFilter, type FilterSubject } from '../../src/lib/expression-filter';

const subject = (over: Partial<FilterSubject> = {}): FilterSubject => ({
  name: 'reviews v2',
  rps: 12,
  errorPct: 6,
  clientErrorPct: 1,
  latencyMs: { p50: 20, p90: 80, p95: 120, p99: 300 },
  sharePct: 40,
  health: 'Degraded',
  ...over,
});

function predicate(text: string) {
  const result = parseFilter(text);
  if (!result?.ok)
    throw new Error(`did not parse: ${text}: ${result?.ok === false ? result.error : 'empty'}`);
  return result.predicate;
}

describe('parseFilter', () => {
  it('matches names by case-insensitive substring', () => {
    expect(predicate('REVIEWS')(subject())).toBe(true);
    expect(predicate('ratings')(subject())).toBe(false);
  });
  it('compares numeric fields, with or without spaces and units', () => {
    expect(predicate('error% > 5')(subject())).toBe(true);
    expect(predicate('error%>6')(subject())).toBe(false);
    expect(predicate('rps >= 12')(subject())).toBe(true);
    expect(predicate('p95 > 0.1s')(subject())).toBe(true);
    expect(predicate('p99 < 300ms')(subject())).toBe(false);
    expect(predicate('share% = 40')(subject())).toBe(true);
  });
  it('lets and bind tighter than or, and negates terms', () => {
    expect(predicate('ratings or rps > 10 and error% > 5')(subject())).toBe(true);
    expect(predicate('rps > 100 or error% > 50')(subject())).toBe(false);
    expect(predicate('!reviews')(subject())).toBe(false);
    expect(predicate('not rps < 5')(subject())).toBe(true);
  });
  it('compares health by name', () => {
    expect(predicate('health = degraded')(subject())).toBe(true);
    expect(predicate('health != degraded')(subject())).toBe(false);
  });
  it('never matches a comparison on a missing value', () => {
    expect(
      predicate('p95 < 1000')(subject({ latencyMs: { p50: null, p90: null, p95: null, p99: null } })),
    ).toBe(false);
    expect(predicate('share% > 0')(subject({ sharePct: null }))).toBe(false);
  });
  it('explains what is wrong', () => {
    expect(parseFilter('latency > 5')).toEqual({
      ok: false,
      error: expect.stringContaining('unknown field "latency"') as string,
    });
    expect(parseFilter('rps > lots')).toEqual({ ok: false, error: '"lots" is not a number' });
    expect(parseFilter('rps >')).toEqual({ ok: false, error: 'expected a value after "rps >"' });
    expect(parseFilter('health > 1')).toEqual({ ok: false, error: 'health takes = or !=' });
  });
  it('treats a blank expression as no filter', () => {
    expect(parseFilter('   ')).toBeNull();
  });
});
