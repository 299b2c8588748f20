import { describe, expect, it } from 'vitest';
import { rowWindow, scrollToReveal } from '../../../src/features/trace-view/virtual-window';

describe('rowWindow', () => {
  it('renders the visible rows plus overscan, within bounds', () => {
    expect(rowWindow(0, 240, 24, 10_000, 5)).toEqual({ first: 0, end: 15 });
    expect(rowWindow(2400, 240, 24, 10_000, 5)).toEqual({ first: 95, end: 115 });
    expect(rowWindow(24 * 9_995, 240, 24, 10_000, 5)).toEqual({ first: 9_990, end: 10_000 });
  });
  it('keeps the DOM small however long the list', () => {
    const { first, end } = rowWindow(24 * 5_000, 900, 24, 10_000);
    expect(end - first).toBeLessThanOrEqual(Math.ceil(900 / 24) + 1 + 20);
  });
  it('handles empty lists and scroll positions past the end', () => {
    expect(rowWindow(0, 500, 24, 0)).toEqual({ first: 0, end: 0 });
    expect(rowWindow(1e9, 500, 24, 3, 2)).toEqual({ first: 0, end: 3 });
  });
});

describe('scrollToReveal', () => {
  it('leaves a visible row alone and centres a hidden one', () => {
    expect(scrollToReveal(5, 0, 240, 24)).toBeNull();
    expect(scrollToReveal(100, 0, 240, 24)).toBe(100 * 24 - 120 + 12);
    expect(scrollToReveal(0, 500, 240, 24)).toBe(0);
  });
});
