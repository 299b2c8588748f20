import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RANGE,
  parseLookback,
  MESH_REFRESH_DEFAULT,
  parseRefresh,
  parseTimeRange,
  resolveWindow,
  stepFor,
  timeRangeParams,
} from '../../src/lib/time-range';

describe('parseLookback', () => {
  it('reads one number and one unit', () => {
    expect(parseLookback('90s')).toBe(90);
    expect(parseLookback('15m')).toBe(900);
    expect(parseLookback('1h')).toBe(3600);
    expect(parseLookback('2d')).toBe(172_800);
    expect(parseLookback('1w')).toBe(604_800);
  });
  it('rejects zero, mixed units, and words', () => {
    for (const text of ['0h', '1h30m', 'h', '1.5h', 'yesterday', ''])
      expect(parseLookback(text), text).toBeNull();
  });
});

describe('parseTimeRange', () => {
  it('prefers an absolute window when both ends are valid', () => {
    expect(parseTimeRange(new URLSearchParams('start=1700000000&end=1700003600&range=1h'))).toEqual({
      kind: 'absolute',
      startSec: 1_700_000_000,
      endSec: 1_700_003_600,
    });
  });
  it('falls back to the lookback when the window is backwards', () => {
    expect(parseTimeRange(new URLSearchParams('start=1700003600&end=1700000000&range=6h'))).toEqual({
      kind: 'lookback',
      text: '6h',
      lookbackSec: 21_600,
    });
  });
  it('uses the last hour when nothing usable is given', () => {
    expect(parseTimeRange(new URLSearchParams('range=forever'))).toEqual(DEFAULT_RANGE);
  });
  it('round-trips through URL parameters', () => {
    const range = { kind: 'absolute', startSec: 100, endSec: 200 } as const;
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(timeRangeParams(range))) if (v !== null) params.set(k, v);
    expect(parseTimeRange(params)).toEqual(range);
  });
});

describe('resolveWindow', () => {
  it('ends a lookback at now floored to the alignment, so nearby renders share a window', () => {
    const range = { kind: 'lookback', text: '1h', lookbackSec: 3600 } as const;
    expect(resolveWindow(range, 1_700_000_007.9)).toEqual({ startSec: 1_699_996_400, endSec: 1_700_000_000 });
    expect(resolveWindow(range, 1_700_000_009)).toEqual(resolveWindow(range, 1_700_000_001));
  });
  it('keeps an absolute window as it is', () => {
    expect(resolveWindow({ kind: 'absolute', startSec: 5, endSec: 9 }, 1e9)).toEqual({
      startSec: 5,
      endSec: 9,
    });
  });
});

describe('stepFor', () => {
  it('gives whole minutes and about 60 points', () => {
    expect(stepFor({ startSec: 0, endSec: 3600 })).toBe(60);
    expect(stepFor({ startSec: 0, endSec: 86_400 })).toBe(1440);
    expect(stepFor({ startSec: 0, endSec: 300 })).toBe(60);
  });
});

describe('parseRefresh', () => {
  it('turns a period into milliseconds, off into false', () => {
    expect(parseRefresh('30s')).toBe(30_000);
    expect(parseRefresh('off')).toBe(false);
    expect(parseRefresh(null)).toBe(false);
    expect(parseRefresh('soon')).toBe(false);
  });

  it("takes the page's default when the URL names none, and an explicit off over it", () => {
    expect(parseRefresh(null, MESH_REFRESH_DEFAULT)).toBe(15_000);
    expect(parseRefresh('off', MESH_REFRESH_DEFAULT)).toBe(false);
    expect(parseRefresh('1m', MESH_REFRESH_DEFAULT)).toBe(60_000);
  });
});
