/**
 * The alert state machine of Prometheus' `rules/alerting.go`, as a pure function of the previous state, one
 * observation and the time. inactive → pending when the condition holds; pending → firing once it has
 * held for `for`; a pending alert whose condition clears is dropped without notification; a firing one
 * stays firing for `keepFiringFor` after the condition clears, then resolves (and is notified). A resolved
 * instance is kept for `RESOLVED_RETENTION_MS` so notifiers can send it; a new activation starts afresh.
 */

export type InstanceStatus = 'pending' | 'firing' | 'resolved';

export interface InstanceState {
  status: InstanceStatus;
  /** when the condition started to hold (unix ms) */
  activeAtMs: number;
  firedAtMs: number | null;
  resolvedAtMs: number | null;
  /** when the condition cleared while firing (keep_firing_for runs from here) */
  keepFiringSinceMs: number | null;
  value: number | null;
  threshold: number | null;
  lastEvalMs: number;
}

/** What one evaluation saw for an instance. */
export type Observation =
  { kind: 'value'; value: number; threshold: number; active: boolean } | { kind: 'no_data' };

export interface StateTiming {
  forMs: number;
  keepFiringForMs: number;
  /** ok: condition false (Prometheus); keep: nothing changes; alerting: condition true */
  noData: 'ok' | 'keep' | 'alerting';
}

export type Transition = 'pending' | 'firing' | 'resolved' | 'dropped';

export interface StepResult {
  /** undefined: the instance is inactive and forgotten */
  state: InstanceState | undefined;
  transitions: Transition[];
}

/** Prometheus keeps resolved alerts 15 minutes so they are re-sent as resolved. */
export const RESOLVED_RETENTION_MS = 15 * 60_000;

export function step(
  prev: InstanceState | undefined,
  obs: Observation,
  timing: StateTiming,
  nowMs: number,
): StepResult {
  if (obs.kind === 'no_data' && timing.noData === 'keep') {
    return { state: prev && expired(prev, nowMs) ? undefined : prev, transitions: [] };
  }
  const active = obs.kind === 'value' ? obs.active : timing.noData === 'alerting';
  const value = obs.kind === 'value' ? obs.value : null;
  const threshold = obs.kind === 'value' ? obs.threshold : (prev?.threshold ?? null);
  const seen = { value, threshold, lastEvalMs: nowMs };

  if (active) {
    if (!prev || prev.status === 'resolved') {
      const pending: InstanceState = {
        status: 'pending',
        activeAtMs: nowMs,
        firedAtMs: null,
        resolvedAtMs: null,
        keepFiringSinceMs: null,
        ...seen,
      };
      return promote(pending, timing, nowMs, ['pending']);
    }
    if (prev.status === 'pending') return promote({ ...prev, ...seen }, timing, nowMs, []);
    return { state: { ...prev, ...seen, keepFiringSinceMs: null }, transitions: [] };
  }

  if (!prev) return { state: undefined, transitions: [] };
  switch (prev.status) {
    case 'pending':
      return { state: undefined, transitions: ['dropped'] };
    case 'firing': {
      const since = prev.keepFiringSinceMs ?? nowMs;
      if (nowMs - since < timing.keepFiringForMs) {
        return { state: { ...prev, ...seen, keepFiringSinceMs: since }, transitions: [] };
      }
      return {
        state: { ...prev, ...seen, status: 'resolved', resolvedAtMs: nowMs, keepFiringSinceMs: null },
        transitions: ['resolved'],
      };
    }
    case 'resolved':
      return { state: expired(prev, nowMs) ? undefined : { ...prev, ...seen }, transitions: [] };
  }
}

function promote(
  state: InstanceState,
  timing: StateTiming,
  nowMs: number,
  transitions: Transition[],
): StepResult {
  if (nowMs - state.activeAtMs >= timing.forMs) {
    return {
      state: { ...state, status: 'firing', firedAtMs: nowMs },
      transitions: [...transitions, 'firing'],
    };
  }
  return { state, transitions };
}

function expired(state: InstanceState, nowMs: number): boolean {
  return state.status === 'resolved' && nowMs - (state.resolvedAtMs ?? nowMs) >= RESOLVED_RETENTION_MS;
}
