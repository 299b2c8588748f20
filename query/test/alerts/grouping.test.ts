import { describe, expect, it } from 'vitest';
import { afterDelivery, planGroups, type NotifyAlert } from '../../src/alerts/notify/grouping.js';
import type { GroupState } from '../../src/alerts/store.js';

const timing = { groupBy: ['alertname'], groupWaitSec: 30, groupIntervalSec: 300, repeatIntervalSec: 3600 };
const alert = (service: string, status: 'firing' | 'resolved' = 'firing'): NotifyAlert => ({
  rule: 'HighErrorRate',
  fingerprint: `fp-${service}`,
  status,
  labels: { alertname: 'HighErrorRate', service },
  annotations: {},
  startsAtMs: 0,
  endsAtMs: status === 'resolved' ? 1 : null,
  value: 0.2,
  threshold: 0.05,
});

/** Plans and "delivers" at each time, keeping group state as the dispatcher does; returns what was sent. */
function run(steps: Array<[number, NotifyAlert[]]>): Array<[number, string[]]> {
  const groups = new Map<string, GroupState>();
  const sent: Array<[number, string[]]> = [];
  for (const [sec, alerts] of steps) {
    const { planned, forget } = planGroups('hook', alerts, groups, timing, sec * 1000);
    for (const key of forget) groups.delete(key);
    for (const g of planned) {
      groups.set(g.groupKey, g.state);
      if (!g.send) continue;
      sent.push([sec, g.alerts.map((a) => `${a.labels.service}:${a.status}`)]);
      const next = afterDelivery(g.state, g.alerts, sec * 1000);
      if (next) groups.set(g.groupKey, next);
      else groups.delete(g.groupKey);
    }
  }
  return sent;
}

describe('notification groups (Alertmanager timing)', () => {
  it('waits group_wait for a new group and sends its alerts together', () => {
    expect(
      run([
        [0, [alert('a')]],
        [15, [alert('a'), alert('b')]],
        [30, [alert('a'), alert('b')]],
      ]),
    ).toEqual([[30, ['a:firing', 'b:firing']]]);
  });

  it('sends a change no sooner than group_interval, and repeats an unchanged group every repeat_interval', () => {
    const sent = run([
      [0, [alert('a')]],
      [30, [alert('a')]],
      [60, [alert('a'), alert('b')]],
      [329, [alert('a'), alert('b')]],
      [330, [alert('a'), alert('b')]],
      [2000, [alert('a'), alert('b')]],
      [3930, [alert('a'), alert('b')]],
    ]);
    expect(sent).toEqual([
      [30, ['a:firing']],
      [330, ['a:firing', 'b:firing']],
      [3930, ['a:firing', 'b:firing']],
    ]);
  });

  it('sends a resolved alert once, then forgets a group with nothing firing', () => {
    const sent = run([
      [0, [alert('a')]],
      [30, [alert('a')]],
      [400, [alert('a', 'resolved')]],
      [800, [alert('a', 'resolved')]],
      [5000, []],
    ]);
    expect(sent).toEqual([
      [30, ['a:firing']],
      [400, ['a:resolved']],
    ]);
  });

  it('never sends an alert that resolved before it was ever notified as firing', () => {
    expect(
      run([
        [0, [alert('a')]],
        [10, [alert('a', 'resolved')]],
        [60, [alert('a', 'resolved')]],
      ]),
    ).toEqual([]);
  });

  it('splits groups by the groupBy labels', () => {
    const { planned } = planGroups(
      'hook',
      [alert('a'), alert('b')],
      new Map(),
      { ...timing, groupBy: ['alertname', 'service'], groupWaitSec: 0 },
      0,
    );
    expect(planned.map((g) => g.groupKey)).toEqual([
      '{}:{alertname="HighErrorRate",service="a"}',
      '{}:{alertname="HighErrorRate",service="b"}',
    ]);
  });
});
