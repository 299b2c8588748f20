import { describe, expect, it } from 'vitest';
import { version } from '../src/index.js';
describe('x', () => {
  it('y', () => {
    expect(version).toBe('0.1.0');
  });
});
