import type { HistoryEvent } from '@meshscope/query/api';
import { subjectOf } from './instance-rows';

/**
 * History events shaped for the timeline chart: one lane per alert instance (ordered by its first event),
 * one point per transition or notification, grouped by kind so each kind gets its colour and legend entry.
 */

export type TimelineEventKind = HistoryEvent['event'];

export const TIMELINE_KINDS: readonly TimelineEventKind[] = [
  'pending',
  'firing',
  'resolved',
  'dropped',
  'notified',
  'notify_failed',
];

export interface TimelinePoint {
  timeMs: number;
  /** lane index (y) */
  lane: number;
  event: TimelineEventKind;
  value: number | null;
  threshold: number | null;
  rule: string;
  subject: string;
}

export interface Timeline {
  /** lane names, index = lane */
  lanes: string[];
  byKind: Record<TimelineEventKind, TimelinePoint[]>;
  startMs: number;
  endMs: number;
}

export function shapeTimeline(
  events: readonly HistoryEvent[],
  window: { startMs: number; endMs: number },
): Timeline {
  const ordered = [...events].sort((a, b) => a.timeMs - b.timeMs);
  const multipleRules = new Set(events.map((e) => e.rule)).size > 1;
  const laneOf = new Map<string, number>();
  const lanes: string[] = [];
  const byKind = Object.fromEntries(TIMELINE_KINDS.map((k) => [k, [] as TimelinePoint[]])) as Record<
    TimelineEventKind,
    TimelinePoint[]
  >;
  for (const e of ordered) {
    const subject = subjectOf(e.labels) || e.fingerprint;
    let lane = laneOf.get(e.fingerprint);
    if (lane === undefined) {
      lane = lanes.length;
      laneOf.set(e.fingerprint, lane);
      lanes.push(multipleRules ? `${e.rule}: ${subject}` : subject);
    }
    byKind[e.event].push({
      timeMs: e.timeMs,
      lane,
      event: e.event,
      value: e.value,
      threshold: e.threshold,
      rule: e.rule,
      subject,
    });
  }
  return { lanes, byKind, startMs: window.startMs, endMs: window.endMs };
}
