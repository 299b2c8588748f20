import { describe, expect, it } from 'vitest';
import { ParamError } from '../../src/params/errors.js';
import { alignedWindow, bucketStarts, resolveStep, resolveWindow } from '../../src/mesh/window.js';

const defaults = { nowSec: 10_000, defaultLookbackSec: 3600, maxWindowSec: 7200 };

describe('resolveWindow', () => {
  it('defaults to the lookback ending now', () => {
    expect(resolveWindow({}, defaults)).toEqual({ startSec: 6400, endSec: 10_000 });
    expect(resolveWindow({ endSec: 5000 }, defaults)).toEqual({ startSec: 1400, endSec: 5000 });
  });

  it('shortens a window longer than the maximum from its start', () => {
    expect(resolveWindow({ startSec: 0, endSec: 10_000 }, defaults)).toEqual({
      startSec: 2800,
      endSec: 10_000,
    });
  });

  it('refuses a window that ends before it starts, naming the parameter', () => {
    expect(() => resolveWindow({ startSec: 10, endSec: 10 }, defaults)).toThrow(ParamError);
    const thrown = (() => {
      try {
        resolveWindow({ startSec: 20, endSec: 10 }, defaults);
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toMatchObject({ param: 'startSec' });
    expect(() => resolveWindow({ endSec: 10 }, { ...defaults, defaultLookbackSec: 0 })).toThrow(/endSec/);
  });
});

describe('resolveStep', () => {
  const hour = { startSec: 0, endSec: 3600 };
  it('aims at about 60 points in whole minutes', () => {
    expect(resolveStep(hour, undefined, 1500)).toBe(60);
    expect(resolveStep({ startSec: 0, endSec: 86_400 }, undefined, 1500)).toBe(1440);
  });

  it('rounds a requested step up to whole minutes and keeps under the point limit', () => {
    expect(resolveStep(hour, 1, 1500)).toBe(60);
    expect(resolveStep(hour, 61, 1500)).toBe(120);
    expect(resolveStep({ startSec: 0, endSec: 86_400 * 7 }, 60, 1500)).toBe(420);
  });
});

describe('buckets', () => {
  it('covers the window with step multiples, the first at or before the start', () => {
    expect(bucketStarts({ startSec: 90, endSec: 300 }, 60)).toEqual([60, 120, 180, 240]);
    expect(alignedWindow({ startSec: 90, endSec: 300 }, 60)).toEqual({ startSec: 60, endSec: 300 });
    expect(alignedWindow({ startSec: 90, endSec: 301 }, 60)).toEqual({ startSec: 60, endSec: 360 });
  });
});
