import { useState } from 'react';
import type { AlertInstance, AlertRule } from '@meshscope/query/api';
import { useDeleteRuleMutation } from '../../hooks/useAlertMutations';
import { ErrorState } from '../../components/StateViews';
import { AlertStateBadge } from './AlertStateBadge';
import { formatSignalValue, ruleState } from './instance-rows';
import { writeRefusal } from './write-refusal';

type RuleEntry = { rule: AlertRule; source: 'file' | 'api' };

function describeSignal(rule: AlertRule): string {
  const s = rule.signal;
  if (s.type === 'burn_rate')
    return `burn rate of ${Number((s.slo * 100).toPrecision(6))}% SLO (${s.severity})`;
  const what =
    s.type === 'error_rate'
      ? 'error rate'
      : s.type === 'latency'
        ? `p${Math.round(s.quantile * 100)} latency`
        : 'request rate';
  return `${what} over ${s.window} ${s.op} ${formatSignalValue(s.type, s.threshold)}`;
}

function describeScope(rule: AlertRule): string {
  const { scope } = rule;
  if (scope.edge) return `edges ${scope.edge.source} → ${scope.edge.destination}`;
  const service = scope.service ?? 'every service';
  return scope.operation !== undefined ? `${service} · operations ${scope.operation}` : service;
}

/** Every rule with its state (worst of its instances); a click selects it, file rules are read-only. */
export function RulesTable({
  rules,
  instances,
  selected,
  onSelect,
  onEdit,
  onDeleted,
}: {
  rules: RuleEntry[];
  instances: readonly AlertInstance[];
  selected: string | null;
  onSelect: (name: string) => void;
  onEdit: (name: string) => void;
  onDeleted: (name: string) => void;
}) {
  const [confirming, setConfirming] = useState<string | null>(null);
  const remove = useDeleteRuleMutation();
  // a refusal for the token's role is shown beside the delete button; anything else above the table
  const refusal = writeRefusal(remove.error);
  return (
    <>
      {remove.error && refusal === null ? <ErrorState error={remove.error} /> : null}
      <table className="data" aria-label="Alert rules">
        <thead>
          <tr>
            <th>State</th>
            <th>Rule</th>
            <th>Scope</th>
            <th>Condition</th>
            <th>For</th>
            <th>Source</th>
            <th>
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rules.map(({ rule, source }) => {
            const state = ruleState(rule.name, instances);
            const isSelected = selected === rule.name;
            return (
              <tr key={rule.name} aria-selected={isSelected} data-state={state.state}>
                <td>
                  <AlertStateBadge
                    state={state.state}
                    count={state.state === 'firing' ? state.firing : state.pending}
                  />
                </td>
                <td>
                  <button
                    type="button"
                    className="link-button"
                    aria-pressed={isSelected}
                    onClick={() => onSelect(rule.name)}
                  >
                    {rule.name}
                  </button>
                </td>
                <td>{describeScope(rule)}</td>
                <td>{describeSignal(rule)}</td>
                <td>{rule.for}</td>
                <td>
                  {source === 'file' ? <span title="read-only: from the rules file">file</span> : 'API'}
                </td>
                <td className="row-actions">
                  <button
                    type="button"
                    aria-label={`${source === 'file' ? 'View' : 'Edit'} rule ${rule.name}`}
                    onClick={() => onEdit(rule.name)}
                  >
                    {source === 'file' ? 'View' : 'Edit'}
                  </button>
                  {source === 'api' && confirming !== rule.name ? (
                    <button
                      type="button"
                      aria-label={`Delete rule ${rule.name}`}
                      onClick={() => setConfirming(rule.name)}
                    >
                      Delete
                    </button>
                  ) : null}
                  {confirming === rule.name ? (
                    <>
                      <button
                        type="button"
                        className="danger"
                        aria-label={`Confirm deleting rule ${rule.name}`}
                        disabled={remove.isPending}
                        onClick={() =>
                          remove.mutate(rule.name, {
                            onSuccess: () => {
                              setConfirming(null);
                              onDeleted(rule.name);
                            },
                          })
                        }
                      >
                        Delete {rule.name}
                      </button>
                      <button type="button" onClick={() => setConfirming(null)}>
                        Keep
                      </button>
                      {refusal !== null && remove.variables === rule.name ? (
                        <span className="field-error" role="alert">
                          {refusal}
                        </span>
                      ) : null}
                    </>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
