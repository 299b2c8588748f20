import { describe, expect, it } from 'vitest';
import { parseGoDuration } from '../../src/lib/go-duration';

describe('parseGoDuration', () => {
  it('reads Go durations into microseconds', () => {
    expect(parseGoDuration('100ms')).toBe(100_000);
    expect(parseGoDuration('1.5s')).toBe(1_500_000);
    expect(parseGoDuration('1m30s')).toBe(90_000_000);
    expect(parseGoDuration('250us')).toBe(250);
    expect(parseGoDuration('250µs')).toBe(250);
    expect(parseGoDuration('0')).toBe(0);
  });
  it('rejects numbers without units and unknown units', () => {
    for (const text of ['100', '1d', 'ms', '1s 2s', '', '-1s'])
      expect(parseGoDuration(text), text).toBeNull();
  });
});
