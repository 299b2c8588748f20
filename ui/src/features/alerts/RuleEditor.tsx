import { useMemo, useState, type FormEvent } from 'react';
import { alertRuleSchema, type AlertRule } from '@meshscope/query/api';
import { ApiFailure } from '../../api/errors';
import { EmptyState, ErrorState, Loading } from '../../components/StateViews';
import { useSaveRuleMutation } from '../../hooks/useAlertMutations';
import { useServicesQuery } from '../../hooks/useServicesQuery';
import { Field } from './Field';
import { writeRefusal } from './write-refusal';
import { breaches, comparatorOf, formatSignalValue, instanceRows, previewWindowSec } from './instance-rows';
import {
  apiErrorsToFields,
  formToRule,
  thresholdUnit,
  type FieldErrors,
  type RuleForm,
  type RuleField,
} from './rule-form';

/**
 * Create or edit a rule. The service validates; its errors land beside the field they name. A rule from
 * the rules file is shown read-only (it changes in Git, not here). Beside the form, a live preview of
 * the current value for each service the scope matches.
 */
export function RuleEditor({
  initial,
  replacing,
  readOnly,
  nowSec,
  onSaved,
  onCancel,
}: {
  initial: RuleForm;
  /** the rule being edited (PUT), or null for a new one (POST) */
  replacing: string | null;
  readOnly: boolean;
  nowSec: number;
  onSaved: (name: string) => void;
  onCancel: () => void;
}) {
  const [form, setForm] = useState(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const save = useSaveRuleMutation();

  /** Every field the form edits holds a string (selects hold one of their option values). */
  const set =
    (key: RuleField) =>
    (value: string): void => {
      setForm((f) => ({ ...f, [key]: value }));
      setErrors((e) => ({ ...e, [key]: undefined }));
    };

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (readOnly) return;
    const result = formToRule(form);
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    setFormError(null);
    save.mutate(
      { rule: result.rule, replacing },
      {
        onSuccess: (saved) => onSaved(saved.rule.name),
        onError: (error) => {
          const refusal = writeRefusal(error);
          if (refusal !== null) setFormError(refusal);
          else if (error instanceof ApiFailure && error.kind === 'http') {
            const spread = apiErrorsToFields(error.message, error.parameter);
            setErrors(spread.fields);
            setFormError(spread.form);
          } else setFormError(error.message);
        },
      },
    );
  };

  const title = readOnly
    ? `Rule ${initial.name} (from the rules file)`
    : replacing
      ? `Edit rule ${replacing}`
      : 'New rule';
  const text = (key: RuleField, label: string, hint?: string, placeholder?: string) => (
    <Field label={label} error={errors[key]} hint={hint}>
      {(p) => (
        <input
          {...p}
          value={String(form[key])}
          placeholder={placeholder}
          readOnly={readOnly}
          onChange={(e) => set(key)(e.target.value)}
        />
      )}
    </Field>
  );
  const choice = (key: RuleField, label: string, options: [string, string][]) => (
    <Field label={label} error={errors[key]}>
      {(p) => (
        <select
          {...p}
          value={String(form[key])}
          disabled={readOnly}
          onChange={(e) => set(key)(e.target.value)}
        >
          {options.map(([value, text]) => (
            <option key={value} value={value}>
              {text}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
  const unit = thresholdUnit(form.signalType);

  return (
    <section className="card rule-editor" aria-label={title}>
      <h2>{title}</h2>
      {readOnly ? (
        <p className="muted">This rule comes from the rules file: change it there and restart, or reload.</p>
      ) : null}
      <div className="rule-editor-body">
        <form onSubmit={submit} aria-label="Rule" noValidate>
          <fieldset disabled={save.isPending}>
            <legend>Rule</legend>
            {text('name', 'Rule name', undefined, 'HighErrorRate')}
            {choice('scopeKind', 'Scope', [
              ['service', 'Services'],
              ['operation', 'Operations of services'],
              ['edge', 'Edges (caller → callee)'],
            ])}
            {form.scopeKind !== 'edge'
              ? text('service', 'Service', 'name or glob (pay-*, {a,b}); empty: every service', '*')
              : null}
            {form.scopeKind === 'operation' ? text('operation', 'Operation', 'span name or glob') : null}
            {form.scopeKind === 'edge' ? (
              <>
                {text('source', 'Caller', 'name or glob')}
                {text('destination', 'Callee', 'name or glob')}
              </>
            ) : null}
          </fieldset>
          <fieldset disabled={save.isPending}>
            <legend>Condition</legend>
            {choice('signalType', 'Signal', [
              ['error_rate', 'Error rate'],
              ['latency', 'Latency'],
              ['request_rate', 'Request rate'],
              ['burn_rate', 'SLO burn rate'],
            ])}
            {form.signalType === 'latency'
              ? choice('quantile', 'Quantile', [
                  ['0.5', 'p50'],
                  ['0.9', 'p90'],
                  ['0.95', 'p95'],
                  ['0.99', 'p99'],
                ])
              : null}
            {form.signalType === 'burn_rate' ? (
              <>
                {text('slo', 'SLO (%)', 'availability objective, e.g. 99.9')}
                {choice('severity', 'Severity', [
                  ['page', 'page: 14.4× over 1h and 5m, or 6× over 6h and 30m'],
                  ['ticket', 'ticket: 3× over 1d and 2h, or 1× over 3d and 6h'],
                ])}
              </>
            ) : (
              <>
                {text('window', 'Window', 'e.g. 5m, 1h')}
                {choice('op', 'Comparator', [
                  ['>', '>'],
                  ['>=', '≥'],
                  ['<', '<'],
                  ['<=', '≤'],
                ])}
                {text('threshold', `Threshold (${unit})`)}
              </>
            )}
            {text('minRequests', 'Minimum requests', 'fewer in the window count as no data')}
            {text('for', 'For', 'how long the condition holds before firing')}
            {text('keepFiringFor', 'Keep firing for')}
            {choice('noData', 'Without data', [
              ['ok', 'OK (condition false)'],
              ['keep', 'keep the last state'],
              ['alerting', 'alerting'],
            ])}
          </fieldset>
          <fieldset disabled={save.isPending}>
            <legend>Notification</legend>
            <Field label="Labels" error={errors.labels} hint="name=value per line">
              {(p) => (
                <textarea
                  {...p}
                  rows={2}
                  value={form.labels}
                  readOnly={readOnly}
                  onChange={(e) => set('labels')(e.target.value)}
                />
              )}
            </Field>
            <Field
              label="Annotations"
              error={errors.annotations}
              hint="name=value per line; {{service}}, {{value}}, {{threshold}} are filled in"
            >
              {(p) => (
                <textarea
                  {...p}
                  rows={2}
                  value={form.annotations}
                  readOnly={readOnly}
                  onChange={(e) => set('annotations')(e.target.value)}
                />
              )}
            </Field>
            {text('receivers', 'Receivers', 'comma-separated; empty: every receiver')}
          </fieldset>
          <div className="form-actions">
            {readOnly ? null : (
              <button type="submit" className="primary" disabled={save.isPending}>
                {save.isPending ? 'Saving…' : replacing ? 'Save rule' : 'Create rule'}
              </button>
            )}
            <button type="button" onClick={onCancel}>
              {readOnly ? 'Close' : 'Cancel'}
            </button>
            {formError ? (
              <span className="field-error" role="alert">
                {formError}
              </span>
            ) : null}
          </div>
        </form>
        <LivePreview form={form} nowSec={nowSec} />
      </div>
    </section>
  );
}

/** The current value of the form's signal for every service its scope matches. */
function LivePreview({ form, nowSec }: { form: RuleForm; nowSec: number }) {
  const rule = useMemo((): AlertRule | null => {
    const result = formToRule(form);
    if (!result.ok) return null;
    const parsed = alertRuleSchema.safeParse({ ...result.rule, name: result.rule.name || 'preview' });
    return parsed.success ? parsed.data : null;
  }, [form]);
  const windowSec = rule ? previewWindowSec(rule.signal) : 300;
  const query = useServicesQuery({ startSec: Math.floor(nowSec - windowSec), endSec: Math.floor(nowSec) });
  let body;
  if (!rule) body = <EmptyState title="Complete the rule to see its current values" />;
  else if (rule.scope.edge || rule.scope.operation !== undefined)
    body = <EmptyState title="The preview covers service scopes" />;
  else if (query.error) body = <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  else if (!query.data) body = <Loading label="Reading current values…" />;
  else {
    const rows = instanceRows(rule, [], query.data.services);
    const op = comparatorOf(rule.signal);
    body =
      rows.length === 0 ? (
        <EmptyState title="No service matches this scope in the window" />
      ) : (
        <table className="data compact" aria-label="Live preview">
          <thead>
            <tr>
              <th>Service</th>
              <th className="num">Now</th>
              <th>Condition</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const hit = r.value !== null && r.threshold !== null && breaches(op, r.value, r.threshold);
              return (
                <tr key={r.key} data-breach={hit ? 'true' : 'false'}>
                  <td>{r.subject}</td>
                  <td className="num">{formatSignalValue(rule.signal.type, r.value)}</td>
                  <td className={hit ? 'breach' : 'muted'}>
                    {r.value === null
                      ? 'no data'
                      : hit
                        ? `${op} ${formatSignalValue(rule.signal.type, r.threshold)}`
                        : 'within'}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      );
  }
  return (
    <aside className="live-preview" aria-label="Live preview of current values">
      <h3>
        Current values
        {rule ? <span className="muted"> · last {formatWindow(windowSec)}</span> : null}
      </h3>
      {body}
    </aside>
  );
}

function formatWindow(sec: number): string {
  if (sec % 86_400 === 0) return `${sec / 86_400}d`;
  if (sec % 3600 === 0) return `${sec / 3600}h`;
  return `${Math.round(sec / 60)}m`;
}
