import { describe, expect, it } from 'vitest';
import type { SpanRow } from '@meshscope/collector';
import {
  attributeLatency,
  latencyAttributionSchema,
  nearestRankQuantile,
  type OperationAttribution,
} from '../../src/tracing/attribution.js';
import { sid, spanRow } from './rows.js';

/**
 * frontend "GET /" calls cart for 20 µs, then payments for `payUs`; the root ends 30 µs after payments.
 * Critical path per trace: frontend 50 µs, cart 20 µs, payments `payUs`; duration 70 + payUs.
 */
function checkoutTrace(
  traceNo: number,
  payUs: number,
  extra: (root: string) => SpanRow[] = () => [],
): SpanRow[] {
  const traceId = traceNo.toString(16).padStart(32, '0');
  const root = sid(traceNo * 16 + 1);
  const rows = [
    spanRow(root, '', 0, 70 + payUs, { ServiceName: 'frontend', SpanName: 'GET /', SpanKind: 'Server' }),
    spanRow(sid(traceNo * 16 + 2), root, 10, 20, { ServiceName: 'cart', SpanName: 'GET /cart' }),
    spanRow(sid(traceNo * 16 + 3), root, 40, payUs, { ServiceName: 'payments', SpanName: 'POST /pay' }),
    ...extra(root),
  ];
  return rows.map((r) => ({ ...r, TraceId: traceId }));
}

const find = (ops: readonly OperationAttribution[], service: string): OperationAttribution => {
  const op = ops.find((o) => o.service === service);
  if (!op) throw new Error(`no row for ${service}`);
  return op;
};

describe('latency attribution', () => {
  // baseline: 100 traces, payments 30 µs each (duration 100)
  const baseline = Array.from({ length: 100 }, (_, k) => checkoutTrace(k + 1, 30));
  // slow: 50 traces as before, 48 with payments at 130 µs, 2 with payments at 1,030 µs
  const slow = Array.from({ length: 100 }, (_, k) =>
    checkoutTrace(k + 1001, k < 50 ? 30 : k < 98 ? 130 : 1030),
  );
  const result = attributeLatency({ slow, baseline });

  it('summarises both samples', () => {
    expect(result.baseline).toEqual({
      traceCount: 100,
      durationP50Us: 100,
      durationP99Us: 100,
      totalDurationUs: 10_000,
    });
    // 50 × 100 + 48 × 200 + 2 × 1100
    expect(result.slow).toEqual({
      traceCount: 100,
      durationP50Us: 100,
      durationP99Us: 1100,
      totalDurationUs: 16_800,
    });
  });

  it('puts the operation that got slower first, with its p50 and p99', () => {
    const first = result.operations[0];
    expect(first?.service).toBe('payments');
    expect(first).toEqual({
      service: 'payments',
      operation: 'POST /pay',
      slow: {
        tracesOnPath: 100,
        criticalPathUs: 9_800, // 50 × 30 + 48 × 130 + 2 × 1030
        share: 9_800 / 16_800,
        meanUs: 98,
        p50Us: 30, // rank 50 of 100
        p99Us: 1030, // rank 99 of 100
      },
      baseline: { tracesOnPath: 100, criticalPathUs: 3_000, share: 0.3, meanUs: 30, p50Us: 30, p99Us: 30 },
      delta: { meanUs: 68, p50Us: 0, p99Us: 1000, share: 9_800 / 16_800 - 0.3 },
    });
  });

  it('shows unchanged operations with a zero delta, and their share shrinking', () => {
    const frontend = find(result.operations, 'frontend');
    expect(frontend.slow.meanUs).toBe(50);
    expect(frontend.baseline.meanUs).toBe(50);
    expect(frontend.delta.meanUs).toBe(0);
    expect(frontend.baseline.share).toBe(0.5);
    expect(frontend.slow.share).toBeCloseTo(5_000 / 16_800, 12);
    const cart = find(result.operations, 'cart');
    expect(cart.delta).toEqual({ meanUs: 0, p50Us: 0, p99Us: 0, share: 2_000 / 16_800 - 0.2 });
  });

  it('shares of one sample add up to 1 when every span blocks', () => {
    const sum = result.operations.reduce((s, o) => s + o.slow.share, 0);
    expect(sum).toBeCloseTo(1, 12);
    expect(latencyAttributionSchema.parse(result)).toEqual(result);
  });

  it('counts absent operations as 0 in every trace, and lists operations seen only in one sample', () => {
    // a retry appears inside payments in 10 of 100 slow traces only
    const withRetry = Array.from({ length: 100 }, (_, k) =>
      checkoutTrace(k + 2001, 30, () => {
        const payments = sid((k + 2001) * 16 + 3);
        return k < 10
          ? [
              spanRow(sid((k + 2001) * 16 + 4), payments, 45, 20, {
                ServiceName: 'payments',
                SpanName: 'retry',
              }),
            ]
          : [];
      }),
    );
    const r = attributeLatency({ slow: withRetry, baseline });
    const retry = r.operations.find((o) => o.operation === 'retry');
    expect(retry?.slow).toMatchObject({
      tracesOnPath: 10,
      criticalPathUs: 200,
      meanUs: 2,
      p50Us: 0,
      p99Us: 20,
    });
    expect(retry?.baseline).toEqual({
      tracesOnPath: 0,
      criticalPathUs: 0,
      share: 0,
      meanUs: 0,
      p50Us: 0,
      p99Us: 0,
    });
  });

  it('gives non-blocking consumers no critical-path time, though they lengthen the trace', () => {
    const async = [
      checkoutTrace(3001, 30, (root) => [
        spanRow(sid(3001 * 16 + 5), root, 80, 5, {
          ServiceName: 'frontend',
          SpanName: 'publish',
          SpanKind: 'Producer',
        }),
        spanRow(sid(3001 * 16 + 6), sid(3001 * 16 + 5), 90, 910, {
          ServiceName: 'audit',
          SpanName: 'consume',
          SpanKind: 'Consumer',
        }),
      ]),
    ];
    const r = attributeLatency({ slow: async, baseline: [] });
    expect(r.slow.totalDurationUs).toBe(1000);
    expect(r.operations.find((o) => o.service === 'audit')).toBeUndefined();
    expect(find(r.operations, 'frontend').slow.criticalPathUs).toBe(45); // 50 minus publish's 5
  });

  it('handles empty samples', () => {
    expect(attributeLatency({ slow: [], baseline: [] })).toEqual({
      slow: { traceCount: 0, durationP50Us: 0, durationP99Us: 0, totalDurationUs: 0 },
      baseline: { traceCount: 0, durationP50Us: 0, durationP99Us: 0, totalDurationUs: 0 },
      operations: [],
    });
  });
});

describe('nearest-rank quantile', () => {
  it('picks the value at rank ceil(q·n)', () => {
    const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(nearestRankQuantile(v, 0.5)).toBe(5);
    expect(nearestRankQuantile(v, 0.99)).toBe(10);
    expect(nearestRankQuantile(v, 0)).toBe(1);
    expect(nearestRankQuantile([], 0.5)).toBe(0);
  });
});
