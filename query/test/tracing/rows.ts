import type { SpanRow } from '@meshscope/collector';

/** Fixed ids and times: tests compare exact values, so nothing here is random. */
export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
/** 2023-11-14T22:13:20Z in unix ns */
export const T0_NS = 1_700_000_000_000_000_000n;

/** A span row with sensible defaults; `startUs` is relative to T0, durations are in µs for readability. */
export function spanRow(
  spanId: string,
  parentSpanId: string,
  startUs: number,
  durationUs: number,
  overrides: Partial<SpanRow> = {},
): SpanRow {
  return {
    Timestamp: (T0_NS + BigInt(startUs) * 1000n).toString(),
    TraceId: TRACE_ID,
    SpanId: spanId,
    ParentSpanId: parentSpanId,
    TraceState: '',
    SpanName: `op-${spanId}`,
    SpanKind: 'Internal',
    ServiceName: 'svc',
    ResourceAttributes: { 'service.name': overrides.ServiceName ?? 'svc' },
    ScopeName: '',
    ScopeVersion: '',
    SpanAttributes: {},
    Duration: durationUs * 1000,
    StatusCode: 'Unset',
    StatusMessage: '',
    'Events.Timestamp': [],
    'Events.Name': [],
    'Events.Attributes': [],
    'Links.TraceId': [],
    'Links.SpanId': [],
    'Links.TraceState': [],
    'Links.Attributes': [],
    ...overrides,
  };
}

/** 16-hex span id from a small number, so fixtures stay readable. */
export const sid = (n: number): string => n.toString(16).padStart(16, '0');

/** Deterministic PRNG (mulberry32) for generated traces. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
