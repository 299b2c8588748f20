import { describe, expect, it } from 'vitest';
import { countOf } from '../../src/lib/format';

describe('countOf', () => {
  it('says one error, not "1 errors", and groups thousands', () => {
    expect(countOf(1, 'error')).toBe('1 error');
    expect(countOf(0, 'error')).toBe('0 errors');
    expect(countOf(12_345, 'span')).toBe('12,345 spans');
    expect(countOf(2, 'child', 'children')).toBe('2 children');
  });
});
