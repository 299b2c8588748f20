import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '@meshscope/query/api';
import { shapeTimeline } from '../../../src/features/alerts/timeline';

const event = (
  timeMs: number,
  fingerprint: string,
  e: HistoryEvent['event'],
  labels: Record<string, string>,
  rule = 'R',
): HistoryEvent => ({
  timeMs,
  rule,
  fingerprint,
  event: e,
  value: 0.2,
  threshold: 0.05,
  labels: { alertname: rule, ...labels },
  receiver: '',
  message: '',
});

describe('alert timeline', () => {
  it('gives each instance a lane in order of its first event and groups marks by kind', () => {
    // the API answers newest first
    const events = [
      event(5000, 'b', 'firing', { source: 'web', destination: 'pay' }),
      event(4000, 'a', 'resolved', { service: 'checkout' }),
      event(3000, 'b', 'pending', { source: 'web', destination: 'pay' }),
      event(2000, 'a', 'firing', { service: 'checkout' }),
      event(1000, 'a', 'pending', { service: 'checkout' }),
    ];
    const t = shapeTimeline(events, { startMs: 0, endMs: 6000 });
    expect(t.lanes).toEqual(['checkout', 'web → pay']);
    expect(t.byKind.pending.map((p) => [p.timeMs, p.lane])).toEqual([
      [1000, 0],
      [3000, 1],
    ]);
    expect(t.byKind.firing.map((p) => [p.timeMs, p.lane])).toEqual([
      [2000, 0],
      [5000, 1],
    ]);
    expect(t.byKind.resolved).toHaveLength(1);
    expect(t.byKind.notified).toEqual([]);
    expect([t.startMs, t.endMs]).toEqual([0, 6000]);
  });

  it('names lanes by rule when several rules share the chart', () => {
    const t = shapeTimeline(
      [event(1, 'a', 'pending', { service: 's' }, 'R1'), event(2, 'b', 'pending', { service: 's' }, 'R2')],
      { startMs: 0, endMs: 10 },
    );
    expect(t.lanes).toEqual(['R1: s', 'R2: s']);
  });
});
