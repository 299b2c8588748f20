import { describe, expect, it } from 'vitest';
import {
  RESOLVED_RETENTION_MS,
  step,
  type InstanceState,
  type Observation,
  type StateTiming,
  type Transition,
} from '../../src/alerts/state-machine.js';

/** Drives one instance through evaluations every `intervalMs` on a fake clock. */
class FakeRun {
  nowMs = 1_700_000_000_000;
  state: InstanceState | undefined;
  readonly log: Array<{ atMs: number; transition: Transition }> = [];

  constructor(
    private readonly timing: StateTiming,
    private readonly intervalMs = 15_000,
  ) {}

  eval(obs: Observation): this {
    const result = step(this.state, obs, this.timing, this.nowMs);
    this.state = result.state;
    for (const t of result.transitions) this.log.push({ atMs: this.nowMs, transition: t });
    this.nowMs += this.intervalMs;
    return this;
  }

  times(n: number, obs: Observation): this {
    for (let i = 0; i < n; i++) this.eval(obs);
    return this;
  }

  transitions(): Transition[] {
    return this.log.map((l) => l.transition);
  }
}

const high: Observation = { kind: 'value', value: 0.2, threshold: 0.05, active: true };
const low: Observation = { kind: 'value', value: 0.01, threshold: 0.05, active: false };
const noData: Observation = { kind: 'no_data' };
const timing = (over: Partial<StateTiming> = {}): StateTiming => ({
  forMs: 60_000,
  keepFiringForMs: 0,
  noData: 'ok',
  ...over,
});

describe('alert state machine', () => {
  it('goes pending at once and fires only after the condition held for `for`', () => {
    const run = new FakeRun(timing());
    run.eval(high);
    expect(run.state?.status).toBe('pending');
    run.times(3, high); // 15, 30, 45 s after activation
    expect(run.state?.status).toBe('pending');
    run.eval(high); // 60 s
    expect(run.state?.status).toBe('firing');
    expect(run.transitions()).toEqual(['pending', 'firing']);
    expect(run.state).toMatchObject({ firedAtMs: run.state!.activeAtMs + 60_000 });
  });

  it('fires in the first evaluation when `for` is zero', () => {
    const run = new FakeRun(timing({ forMs: 0 })).eval(high);
    expect(run.state?.status).toBe('firing');
    expect(run.transitions()).toEqual(['pending', 'firing']);
  });

  it('drops a pending alert whose condition clears, without resolving it', () => {
    const run = new FakeRun(timing()).times(2, high).eval(low);
    expect(run.state).toBeUndefined();
    expect(run.transitions()).toEqual(['pending', 'dropped']);
  });

  it('resolves a firing alert when the condition clears, and keeps it a while for notifiers', () => {
    const run = new FakeRun(timing({ forMs: 0 })).times(2, high).eval(low);
    expect(run.state?.status).toBe('resolved');
    expect(run.transitions()).toEqual(['pending', 'firing', 'resolved']);
    run.times(RESOLVED_RETENTION_MS / 15_000 - 1, low);
    expect(run.state?.status).toBe('resolved');
    run.eval(low);
    expect(run.state).toBeUndefined();
  });

  it('keeps firing for keep_firing_for after the condition clears, and a return of the condition resets it', () => {
    const run = new FakeRun(timing({ forMs: 0, keepFiringForMs: 60_000 })).eval(high);
    run.times(3, low); // 0, 15, 30 s after clearing
    expect(run.state?.status).toBe('firing');
    run.eval(high); // condition back: the keep-firing clock starts over
    expect(run.state?.keepFiringSinceMs).toBeNull();
    run.times(4, low); // 0..45 s
    expect(run.state?.status).toBe('firing');
    run.eval(low); // 60 s after clearing
    expect(run.state?.status).toBe('resolved');
    expect(run.transitions()).toEqual(['pending', 'firing', 'resolved']);
  });

  it('treats no data as a false condition by default (Prometheus: the series is gone)', () => {
    const run = new FakeRun(timing({ forMs: 0 })).eval(high).eval(noData);
    expect(run.state?.status).toBe('resolved');
    expect(run.state?.value).toBeNull();
  });

  it('with noData keep, neither resolves nor progresses while data is missing', () => {
    const firing = new FakeRun(timing({ forMs: 0, noData: 'keep' })).eval(high).times(10, noData);
    expect(firing.state?.status).toBe('firing');
    expect(firing.transitions()).toEqual(['pending', 'firing']);
    const pending = new FakeRun(timing({ noData: 'keep' })).eval(high).times(10, noData);
    expect(pending.state?.status).toBe('pending');
  });

  it('with noData alerting, fires on missing data after `for`', () => {
    const run = new FakeRun(timing({ noData: 'alerting' })).times(4, noData);
    expect(run.state?.status).toBe('pending');
    run.eval(noData);
    expect(run.state?.status).toBe('firing');
    expect(run.state?.value).toBeNull();
  });

  it('never fires a flapping condition that holds for less than `for`, and notifies nothing', () => {
    const run = new FakeRun(timing({ forMs: 45_000 }));
    for (let i = 0; i < 20; i++) run.times(2, high).eval(low);
    expect(run.state).toBeUndefined();
    expect(run.transitions().filter((t) => t === 'firing' || t === 'resolved')).toEqual([]);
    expect(run.transitions().filter((t) => t === 'dropped')).toHaveLength(20);
  });

  it('keep_firing_for rides out a flapping condition as one firing episode', () => {
    const run = new FakeRun(timing({ forMs: 0, keepFiringForMs: 60_000 }));
    for (let i = 0; i < 10; i++) run.eval(high).times(2, low);
    expect(run.transitions()).toEqual(['pending', 'firing']);
    run.times(4, low);
    expect(run.transitions()).toEqual(['pending', 'firing', 'resolved']);
  });

  it('starts a new episode (pending, new activeAt) when a resolved alert becomes active again', () => {
    const run = new FakeRun(timing({ forMs: 30_000 })).times(3, high).eval(low);
    const firstActive = run.log[0]!.atMs;
    run.eval(high);
    expect(run.state?.status).toBe('pending');
    expect(run.state?.activeAtMs).toBeGreaterThan(firstActive);
    expect(run.state?.firedAtMs).toBeNull();
  });
});
