import { describe, expect, it } from 'vitest';
import { newRequestId, newSpanId, newTraceId } from '../../src/telemetry/ids.js';

describe('ids', () => {
  it('makes W3C trace and span ids: lowercase hex of 16 and 8 bytes, distinct, across pool refills', () => {
    const traces = new Set<string>();
    const spans = new Set<string>();
    // 4096-byte pool: 3,000 of each crosses many refills
    for (let i = 0; i < 3000; i++) {
      traces.add(newTraceId());
      spans.add(newSpanId());
    }
    expect(traces.size).toBe(3000);
    expect(spans.size).toBe(3000);
    for (const t of traces) expect(t).toMatch(/^[0-9a-f]{32}$/);
    for (const s of spans) expect(s).toMatch(/^[0-9a-f]{16}$/);
  });

  it('makes x-request-ids that are version 4 UUIDs (RFC 9562), distinct, with every hex digit in use', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 3000; i++) ids.add(newRequestId());
    expect(ids.size).toBe(3000);
    const digits = new Set<string>();
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      for (const c of id.replace(/-/g, '')) digits.add(c);
    }
    expect(digits.size).toBe(16);
    // each call returns its own string, not a view of a shared buffer
    const a = newRequestId();
    const copy = `${a}`;
    newRequestId();
    expect(a).toBe(copy);
  });
});
