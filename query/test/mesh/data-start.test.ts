import { describe, expect, it } from 'vitest';
import { DataStart, rateWindowSec } from '../../src/mesh/data-start.js';

describe('rateWindowSec', () => {
  const hour = { startSec: 7200, endSec: 10_800 };

  it('is the whole window when data began before it, or is unknown', () => {
    expect(rateWindowSec(hour, 3600)).toBe(3600);
    expect(rateWindowSec(hour, 7200)).toBe(3600);
    expect(rateWindowSec(hour, null)).toBe(3600);
  });

  it('starts at the first stored minute when that is inside the window (a fresh start)', () => {
    expect(rateWindowSec(hour, 10_680)).toBe(120);
  });

  it('ignores a data start after the window (nothing to divide, so the window as asked)', () => {
    expect(rateWindowSec(hour, 10_800)).toBe(3600);
    expect(rateWindowSec(hour, 20_000)).toBe(3600);
  });
});

describe('DataStart', () => {
  function counting(answers: Array<number | null | Error>) {
    let calls = 0;
    const read = (): Promise<number | null> => {
      const a = answers[Math.min(calls, answers.length - 1)];
      calls++;
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a ?? null);
    };
    return { read, calls: () => calls };
  }

  it('asks again every few seconds while nothing is stored, then keeps the answer ten minutes', async () => {
    let now = 0;
    const src = counting([null, 600]);
    const start = new DataStart(src.read, () => now);
    expect(await start.get()).toBeNull();
    now = 4_000;
    expect(await start.get()).toBeNull();
    expect(src.calls()).toBe(1);
    now = 5_000;
    expect(await start.get()).toBe(600);
    now = 5_000 + 9 * 60_000;
    expect(await start.get()).toBe(600);
    expect(src.calls()).toBe(2);
    now = 5_000 + 10 * 60_000;
    await start.get();
    expect(src.calls()).toBe(3);
  });

  it('shares one read between concurrent callers', async () => {
    const src = counting([600]);
    const start = new DataStart(src.read, () => 0);
    expect(await Promise.all([start.get(), start.get(), start.get()])).toEqual([600, 600, 600]);
    expect(src.calls()).toBe(1);
  });

  it('answers the last known value (or null) when the read fails, and tries again next time', async () => {
    const src = counting([new Error('storage down'), 600]);
    const start = new DataStart(src.read, () => 0);
    expect(await start.get()).toBeNull();
    expect(await start.get()).toBe(600);
    expect(src.calls()).toBe(2);
  });
});
