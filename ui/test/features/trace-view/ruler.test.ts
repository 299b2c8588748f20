import { describe, expect, it } from 'vitest';
import { rulerTicks } from '../../../src/features/trace-view/ruler';
import { sectionsBySpan } from '../../../src/features/trace-view/critical-path';

describe('rulerTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten', () => {
    expect(rulerTicks(100_000)).toEqual([0, 20_000, 40_000, 60_000, 80_000, 100_000]);
    expect(rulerTicks(730)).toEqual([0, 200, 400, 600]);
    expect(rulerTicks(0)).toEqual([0]);
  });
});

describe('sectionsBySpan', () => {
  it('groups critical-path sections under their span', () => {
    const map = sectionsBySpan({
      sections: [
        { spanID: 'root', sectionStart: 90, sectionEnd: 100 },
        { spanID: 'child', sectionStart: 20, sectionEnd: 90 },
        { spanID: 'root', sectionStart: 0, sectionEnd: 20 },
      ],
      selfTimes: [],
    });
    expect(map.get('root')).toEqual([
      { startUs: 90, endUs: 100 },
      { startUs: 0, endUs: 20 },
    ]);
    expect(map.get('child')).toEqual([{ startUs: 20, endUs: 90 }]);
  });
});
