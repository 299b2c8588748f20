import type { GroupState } from '../store.js';

/**
 * Alertmanager's aggregation groups, as a pure planner: alerts with the same `groupBy` label values form a
 * group; a new group is notified after group_wait, a changed one (new alert, resolved alert) no sooner than
 * group_interval after its last notification, an unchanged one with firing alerts every repeat_interval.
 * A resolved alert is notified once, in the group that last carried it as firing; a group whose alerts are
 * all resolved and notified is forgotten.
 */

export interface NotifyAlert {
  rule: string;
  fingerprint: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAtMs: number;
  /** resolution time; null while firing */
  endsAtMs: number | null;
  value: number | null;
  threshold: number | null;
}

export interface GroupTiming {
  groupBy: readonly string[];
  groupWaitSec: number;
  groupIntervalSec: number;
  repeatIntervalSec: number;
}

export interface PlannedGroup {
  groupKey: string;
  groupLabels: Record<string, string>;
  alerts: NotifyAlert[];
  /** the group's state before this plan (or a fresh one) */
  state: GroupState;
  send: boolean;
}

export const entryOf = (a: Pick<NotifyAlert, 'fingerprint' | 'status'>): string =>
  `${a.fingerprint}:${a.status}`;

export function groupOf(labels: Readonly<Record<string, string>>, groupBy: readonly string[]) {
  const names = [...groupBy].sort();
  const groupLabels = Object.fromEntries(names.map((n) => [n, labels[n] ?? '']));
  const key = `{}:{${names.map((n) => `${n}=${JSON.stringify(labels[n] ?? '')}`).join(',')}}`;
  return { groupKey: key, groupLabels };
}

export function planGroups(
  receiver: string,
  alerts: readonly NotifyAlert[],
  groups: ReadonlyMap<string, GroupState>,
  timing: GroupTiming,
  nowMs: number,
): { planned: PlannedGroup[]; forget: string[] } {
  const byKey = new Map<string, { groupLabels: Record<string, string>; alerts: NotifyAlert[] }>();
  for (const a of alerts) {
    const { groupKey, groupLabels } = groupOf(a.labels, timing.groupBy);
    const g = byKey.get(groupKey) ?? { groupLabels, alerts: [] };
    g.alerts.push(a);
    byKey.set(groupKey, g);
  }
  const planned: PlannedGroup[] = [];
  const forget: string[] = [];
  for (const key of new Set([...byKey.keys(), ...groups.keys()])) {
    const prev = groups.get(key);
    const sentFiring = new Set(prev?.lastSent.filter((e) => e.endsWith(':firing')));
    const candidates = (byKey.get(key)?.alerts ?? []).filter(
      (a) => a.status === 'firing' || sentFiring.has(`${a.fingerprint}:firing`),
    );
    if (candidates.length === 0) {
      if (prev) forget.push(key);
      continue;
    }
    candidates.sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1));
    const state: GroupState = prev ?? {
      receiver,
      groupKey: key,
      firstAtMs: nowMs,
      lastSentAtMs: 0,
      lastSent: [],
    };
    planned.push({
      groupKey: key,
      groupLabels: byKey.get(key)?.groupLabels ?? {},
      alerts: candidates,
      state,
      send: isDue(state, candidates, timing, nowMs),
    });
  }
  return { planned, forget };
}

function isDue(state: GroupState, alerts: readonly NotifyAlert[], t: GroupTiming, nowMs: number): boolean {
  if (state.lastSentAtMs === 0) return nowMs - state.firstAtMs >= t.groupWaitSec * 1000;
  const entries = alerts.map(entryOf).sort();
  const last = [...state.lastSent].sort();
  const changed = entries.length !== last.length || entries.some((e, i) => e !== last[i]);
  const since = nowMs - state.lastSentAtMs;
  if (changed) return since >= t.groupIntervalSec * 1000;
  return alerts.some((a) => a.status === 'firing') && since >= t.repeatIntervalSec * 1000;
}

/** The group's state once `alerts` were delivered; undefined when nothing firing is left to repeat. */
export function afterDelivery(
  state: GroupState,
  alerts: readonly NotifyAlert[],
  nowMs: number,
): GroupState | undefined {
  if (!alerts.some((a) => a.status === 'firing')) return undefined;
  return { ...state, lastSentAtMs: nowMs, lastSent: alerts.map(entryOf).sort() };
}
