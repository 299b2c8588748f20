import {
  BURN_WINDOWS,
  durationMs,
  type AlertInstance,
  type AlertRule,
  type Comparator,
  type ServiceSummary,
  type Signal,
} from '@meshscope/query/api';
import { formatMs, formatRps } from '../../lib/format';
import { matchesGlob } from './glob';

/**
 * A rule's instances as the page lists them: the evaluator's pending, firing and recently resolved ones,
 * plus every other service the rule's scope matches, shown inactive with its current value (the live
 * preview, from the same services summary the dashboard draws), so a person sees how far each one is from
 * the threshold.
 */

export type InstanceState = 'inactive' | 'pending' | 'firing' | 'resolved';

export interface InstanceRow {
  key: string;
  subject: string;
  /** the subject's identity labels (alertname, service, …), for a silence */
  labels: Record<string, string>;
  state: InstanceState;
  value: number | null;
  threshold: number | null;
  /** when the state began (pending or firing since, resolved at) */
  sinceMs: number | null;
  silenced: boolean;
  /** the evaluator's instance id; null for a preview row */
  fingerprint: string | null;
}

const IDENTITY = ['alertname', 'service', 'operation', 'source', 'destination'] as const;

export function subjectOf(labels: Record<string, string>): string {
  if (labels.source !== undefined || labels.destination !== undefined)
    return `${labels.source ?? '?'} → ${labels.destination ?? '?'}`;
  if (labels.operation !== undefined) return `${labels.service ?? '?'} · ${labels.operation}`;
  return labels.service ?? labels.alertname ?? '';
}

export function identityLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(IDENTITY.flatMap((k) => (labels[k] !== undefined ? [[k, labels[k]]] : [])));
}

/** The window the preview reads: the signal's own, or a burn-rate rule's first long window. */
export function previewWindowSec(signal: Signal): number {
  if (signal.type !== 'burn_rate') return durationMs(signal.window) / 1000;
  const pair = (signal.windows ?? BURN_WINDOWS[signal.severity])[0];
  return pair ? durationMs(pair.long) / 1000 : 3600;
}

/** The threshold in the API's units; a burn-rate rule's is its first pair's factor. */
export function thresholdOf(signal: Signal): number {
  if (signal.type !== 'burn_rate') return signal.threshold;
  return (signal.windows ?? BURN_WINDOWS[signal.severity])[0]?.factor ?? 1;
}

export function comparatorOf(signal: Signal): Comparator {
  return signal.type === 'burn_rate' ? '>' : signal.op;
}

/** A service's current value of the rule's signal; null when it has too few requests to judge. */
export function previewValue(
  rule: Pick<AlertRule, 'signal' | 'minRequests'>,
  s: ServiceSummary,
): number | null {
  if (s.requests === 0 || s.requests < rule.minRequests) return null;
  const signal = rule.signal;
  switch (signal.type) {
    case 'error_rate':
      return s.errorRate;
    case 'request_rate':
      return s.requestsPerSec;
    case 'latency': {
      const key = `p${Math.round(signal.quantile * 100)}` as 'p50' | 'p90' | 'p95' | 'p99';
      return s.latencyMs[key];
    }
    case 'burn_rate':
      return s.errorRate / (1 - signal.slo);
  }
}

export function breaches(op: Comparator, value: number, threshold: number): boolean {
  if (op === '>') return value > threshold;
  if (op === '>=') return value >= threshold;
  if (op === '<') return value < threshold;
  return value <= threshold;
}

/** A value in the signal's unit, as people read it. */
export function formatSignalValue(type: Signal['type'], value: number | null): string {
  if (value === null) return 'no data';
  if (type === 'error_rate') return `${Number((value * 100).toPrecision(3))}%`;
  if (type === 'latency') return formatMs(value);
  if (type === 'request_rate') return `${formatRps(value)} req/s`;
  return `${Number(value.toPrecision(3))}×`;
}

/** An evaluator's instance as a row. */
export function rowOfInstance(i: AlertInstance): InstanceRow {
  return {
    key: i.fingerprint,
    subject: subjectOf(i.labels),
    labels: identityLabels(i.labels),
    state: i.status,
    value: i.value,
    threshold: i.threshold,
    sinceMs: i.status === 'resolved' ? i.resolvedAtMs : i.status === 'firing' ? i.firedAtMs : i.activeAtMs,
    silenced: i.silenced,
    fingerprint: i.fingerprint,
  };
}

const STATE_ORDER: Record<InstanceState, number> = { firing: 0, pending: 1, resolved: 2, inactive: 3 };

export function instanceRows(
  rule: AlertRule,
  instances: readonly AlertInstance[],
  services: readonly ServiceSummary[] | undefined,
): InstanceRow[] {
  const rows: InstanceRow[] = instances.filter((i) => i.rule === rule.name).map(rowOfInstance);
  const scope = rule.scope;
  // the preview covers service scopes; operations and edges show the evaluator's instances only
  if (services && !scope.edge && scope.operation === undefined) {
    const seen = new Set(rows.map((r) => r.labels.service));
    const threshold = thresholdOf(rule.signal);
    const add = (service: string, value: number | null): void => {
      if (seen.has(service)) return;
      seen.add(service);
      rows.push({
        key: `preview:${service}`,
        subject: service,
        labels: { alertname: rule.name, service },
        state: 'inactive',
        value,
        threshold,
        sinceMs: null,
        silenced: false,
        fingerprint: null,
      });
    };
    for (const s of services) if (matchesGlob(scope.service, s.name)) add(s.name, previewValue(rule, s));
    // a rule on one named service watches it even while it sends nothing
    if (scope.service !== undefined && !/[*?{[]/.test(scope.service)) add(scope.service, null);
  }
  return rows.sort(
    (a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || a.subject.localeCompare(b.subject),
  );
}

export interface RuleState {
  state: 'firing' | 'pending' | 'inactive';
  firing: number;
  pending: number;
}

export function ruleState(name: string, instances: readonly AlertInstance[]): RuleState {
  let firing = 0;
  let pending = 0;
  for (const i of instances) {
    if (i.rule !== name) continue;
    if (i.status === 'firing') firing++;
    else if (i.status === 'pending') pending++;
  }
  return { state: firing > 0 ? 'firing' : pending > 0 ? 'pending' : 'inactive', firing, pending };
}
