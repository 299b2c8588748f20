import { describe, expect, it } from 'vitest';
import { version } from '@meshscope/collector';
describe('x', () => {
  it('y', () => {
    expect(version).toBe('0.1.0');
  });
});
