import type { AlertRule, AlertRuleInput, BurnWindow, Comparator } from '@meshscope/query/api';

/**
 * The rule editor's fields (strings, as inputs hold them) and their mapping to and from the API's rule.
 * Thresholds are shown in the unit people think in: an error rate in percent (the API's ratio × 100),
 * latency in ms, request rate in requests/s, an SLO in percent. Validation is the service's: the form
 * only rejects what it cannot turn into a rule (a number that is not one, a label line without `=`), and
 * the API's errors are mapped back onto the field they name.
 */

export type SignalType = 'error_rate' | 'latency' | 'request_rate' | 'burn_rate';
export type ScopeKind = 'service' | 'operation' | 'edge';
export type Quantile = '0.5' | '0.9' | '0.95' | '0.99';

export interface RuleForm {
  name: string;
  scopeKind: ScopeKind;
  /** glob; empty: every service */
  service: string;
  operation: string;
  source: string;
  destination: string;
  signalType: SignalType;
  window: string;
  op: Comparator;
  threshold: string;
  quantile: Quantile;
  /** percent, e.g. 99.9 */
  slo: string;
  severity: 'page' | 'ticket';
  /** custom burn-rate window pairs, kept as they were (the form does not edit them) */
  burnWindows: BurnWindow[] | undefined;
  minRequests: string;
  for: string;
  keepFiringFor: string;
  noData: 'ok' | 'keep' | 'alerting';
  /** `name=value`, one per line */
  labels: string;
  annotations: string;
  /** comma-separated receiver names; empty: every receiver */
  receivers: string;
}

export type RuleField = keyof Omit<RuleForm, 'burnWindows'>;
export type FieldErrors = Partial<Record<RuleField, string>>;

export const EMPTY_RULE_FORM: RuleForm = {
  name: '',
  scopeKind: 'service',
  service: '',
  operation: '',
  source: '',
  destination: '',
  signalType: 'error_rate',
  window: '5m',
  op: '>',
  threshold: '5',
  quantile: '0.99',
  slo: '99.9',
  severity: 'page',
  burnWindows: undefined,
  minRequests: '0',
  for: '1m',
  keepFiringFor: '0s',
  noData: 'ok',
  labels: '',
  annotations: '',
  receivers: '',
};

/** The threshold's unit as the form shows it. */
export function thresholdUnit(type: SignalType): string {
  if (type === 'error_rate') return '%';
  if (type === 'latency') return 'ms';
  if (type === 'request_rate') return 'req/s';
  return '';
}

/** Rounds away binary noise (0.07 × 100 = 7.000000000000001). */
const clean = (n: number): number => Number(n.toPrecision(12));

const toText = (record: Record<string, string>): string =>
  Object.entries(record)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');

export function ruleToForm(rule: AlertRule): RuleForm {
  const s = rule.signal;
  const scopeKind: ScopeKind = rule.scope.edge
    ? 'edge'
    : rule.scope.operation !== undefined
      ? 'operation'
      : 'service';
  return {
    ...EMPTY_RULE_FORM,
    name: rule.name,
    scopeKind,
    service: rule.scope.service ?? '',
    operation: rule.scope.operation ?? '',
    source: rule.scope.edge?.source ?? '',
    destination: rule.scope.edge?.destination ?? '',
    signalType: s.type,
    ...(s.type === 'burn_rate'
      ? { slo: String(clean(s.slo * 100)), severity: s.severity, burnWindows: s.windows }
      : {
          window: s.window,
          op: s.op,
          threshold: String(s.type === 'error_rate' ? clean(s.threshold * 100) : s.threshold),
          ...(s.type === 'latency' ? { quantile: String(s.quantile) as Quantile } : {}),
        }),
    minRequests: String(rule.minRequests),
    for: rule.for,
    keepFiringFor: rule.keepFiringFor,
    noData: rule.noData,
    labels: toText(rule.labels),
    annotations: toText(rule.annotations),
    receivers: rule.receivers?.join(', ') ?? '',
  };
}

function parseNumber(text: string, field: RuleField, errors: FieldErrors): number {
  const value = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(value)) errors[field] = 'must be a number';
  return value;
}

function parsePairs(text: string, field: RuleField, errors: FieldErrors): Record<string, string> {
  const out: Record<string, string> = {};
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const at = line.indexOf('=');
    if (at <= 0) {
      errors[field] ??= `line ${i + 1}: write name=value`;
      return;
    }
    out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  });
  return out;
}

export type FormResult = { ok: true; rule: AlertRuleInput } | { ok: false; errors: FieldErrors };

/** The rule the form describes, or the fields it cannot turn into one. */
export function formToRule(form: RuleForm): FormResult {
  const errors: FieldErrors = {};
  const scope =
    form.scopeKind === 'edge'
      ? { edge: { source: form.source.trim(), destination: form.destination.trim() } }
      : {
          ...(form.service.trim() ? { service: form.service.trim() } : {}),
          ...(form.scopeKind === 'operation' ? { operation: form.operation.trim() } : {}),
        };
  let signal: AlertRuleInput['signal'];
  if (form.signalType === 'burn_rate') {
    const slo = parseNumber(form.slo, 'slo', errors);
    signal = {
      type: 'burn_rate',
      slo: clean(slo / 100),
      severity: form.severity,
      ...(form.burnWindows ? { windows: form.burnWindows } : {}),
    };
  } else {
    const threshold = parseNumber(form.threshold, 'threshold', errors);
    const common = { window: form.window.trim(), op: form.op };
    if (form.signalType === 'error_rate')
      signal = { type: 'error_rate', ...common, threshold: clean(threshold / 100) };
    else if (form.signalType === 'latency')
      signal = {
        type: 'latency',
        ...common,
        quantile: Number(form.quantile) as 0.5 | 0.9 | 0.95 | 0.99,
        threshold,
      };
    else signal = { type: 'request_rate', ...common, threshold };
  }
  const minRequests = parseNumber(form.minRequests, 'minRequests', errors);
  const labels = parsePairs(form.labels, 'labels', errors);
  const annotations = parsePairs(form.annotations, 'annotations', errors);
  const receivers = form.receivers
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    rule: {
      name: form.name.trim(),
      scope,
      signal,
      minRequests,
      for: form.for.trim(),
      keepFiringFor: form.keepFiringFor.trim(),
      noData: form.noData,
      labels,
      annotations,
      ...(receivers.length > 0 ? { receivers } : {}),
    },
  };
}

const FIELD_OF_PATH: [RegExp, RuleField][] = [
  [/^name$/, 'name'],
  [/^scope\.service/, 'service'],
  [/^scope\.operation/, 'operation'],
  [/^scope\.edge\.destination/, 'destination'],
  [/^scope(\.edge(\.source)?)?$/, 'source'],
  [/^signal\.window$/, 'window'],
  [/^signal\.windows/, 'slo'],
  [/^signal\.threshold/, 'threshold'],
  [/^signal\.op/, 'op'],
  [/^signal\.quantile/, 'quantile'],
  [/^signal\.slo/, 'slo'],
  [/^signal\.severity/, 'severity'],
  [/^signal(\.type)?$/, 'signalType'],
  [/^minRequests/, 'minRequests'],
  [/^for$/, 'for'],
  [/^keepFiringFor/, 'keepFiringFor'],
  [/^noData/, 'noData'],
  [/^labels/, 'labels'],
  [/^annotations/, 'annotations'],
  [/^receivers/, 'receivers'],
];

/** The form field an API parameter path (`signal.threshold`, `labels.team`) belongs to. */
export function fieldOfParameter(path: string): RuleField | null {
  return FIELD_OF_PATH.find(([re]) => re.test(path))?.[1] ?? null;
}

/**
 * The API's rejection spread over the fields: its message lists every bad field
 * (`invalid alert rule: signal.threshold: Too big; for: must be a duration`); a message in another shape
 * goes to the field its `parameter` names. What names no field comes back under `form`.
 */
export function apiErrorsToFields(
  message: string,
  parameter: string | undefined,
): { fields: FieldErrors; form: string | null } {
  const fields: FieldErrors = {};
  const unplaced: string[] = [];
  const listed = /^invalid alert rule: (.*)$/s.exec(message);
  if (listed) {
    for (const part of (listed[1] ?? '').split('; ')) {
      const at = part.indexOf(': ');
      const field = at > 0 ? fieldOfParameter(part.slice(0, at)) : null;
      if (field)
        fields[field] = fields[field] ? `${fields[field]}; ${part.slice(at + 2)}` : part.slice(at + 2);
      else unplaced.push(part);
    }
  } else {
    const field = parameter ? fieldOfParameter(parameter) : null;
    if (field) fields[field] = message;
    else unplaced.push(message);
  }
  return { fields, form: unplaced.length > 0 ? unplaced.join('; ') : null };
}
