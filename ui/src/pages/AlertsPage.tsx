import type { AlertInstance, AlertRule } from '@meshscope/query/api';
import { EmptyState, QueryView } from '../components/StateViews';
import { TimeRangePicker } from '../components/TimeRangePicker';
import { HistoryPanel } from '../features/alerts/HistoryPanel';
import { InstancesTable } from '../features/alerts/InstancesTable';
import {
  instanceRows,
  previewWindowSec,
  rowOfInstance,
  type InstanceRow,
} from '../features/alerts/instance-rows';
import { EMPTY_RULE_FORM, ruleToForm } from '../features/alerts/rule-form';
import { RuleEditor } from '../features/alerts/RuleEditor';
import { RulesTable } from '../features/alerts/RulesTable';
import { matchersForLabels } from '../features/alerts/silence-form';
import { SilencesPanel } from '../features/alerts/SilencesPanel';
import { useAlertInstancesQuery } from '../hooks/useAlertInstancesQuery';
import { useAlertRulesQuery } from '../hooks/useAlertRulesQuery';
import { useServicesQuery } from '../hooks/useServicesQuery';
import { useTimeWindow } from '../hooks/useTimeWindow';
import { MESH_REFRESH_DEFAULT } from '../lib/time-range';
import { useSearchParams } from '../routing/router';

const SILENCES_ID = 'silences';
const NO_INSTANCES: AlertInstance[] = [];

/**
 * The alerts page. In the URL: the selected rule (`rule`), the editor (`edit` = a rule's name or `new`),
 * the instance whose example traces are open (`instance`), a service to narrow firing alerts to
 * (`service`), a silence's matchers being written (`matchers`), and the history's time range.
 */
export function AlertsPage() {
  const time = useTimeWindow(MESH_REFRESH_DEFAULT);
  const [params, update] = useSearchParams();
  const rulesQuery = useAlertRulesQuery();
  const instancesQuery = useAlertInstancesQuery();
  const instances = instancesQuery.data?.instances ?? NO_INSTANCES;
  const selected = params.get('rule');
  const editing = params.get('edit');
  const service = params.get('service');
  const openFingerprint = params.get('instance');
  const rules = rulesQuery.data?.rules;
  const byName = new Map((rules ?? []).map((r) => [r.rule.name, r]));
  const selectedEntry = selected ? byName.get(selected) : undefined;
  const editEntry = editing && editing !== 'new' ? byName.get(editing) : undefined;

  const toggleExemplars = (fingerprint: string | null): void => update({ instance: fingerprint });
  const silence = (row: InstanceRow): void => {
    update({ matchers: matchersForLabels(row.labels) });
    document.getElementById(SILENCES_ID)?.scrollIntoView({ block: 'start' });
  };

  const firing = instances.filter(
    (i) =>
      i.status === 'firing' && (service === null || (i.labels.service ?? i.labels.destination) === service),
  );

  return (
    <div className="page-full">
      <div className="toolbar">
        <h1 className="toolbar-title">Alerts</h1>
        <button type="button" className="primary" onClick={() => update({ edit: 'new' }, { push: true })}>
          New rule
        </button>
        <span className="spacer" />
        <TimeRangePicker time={time} />
      </div>
      <div className="page alerts-page">
        {editing === 'new' || editEntry ? (
          <RuleEditor
            key={editing}
            initial={editEntry ? ruleToForm(editEntry.rule) : EMPTY_RULE_FORM}
            replacing={editEntry ? editEntry.rule.name : null}
            readOnly={editEntry?.source === 'file'}
            nowSec={time.window.endSec}
            onSaved={(name) => update({ edit: null, rule: name }, { push: true })}
            onCancel={() => update({ edit: null }, { push: true })}
          />
        ) : null}

        <section className="card" aria-label="Rules">
          <h2>Rules</h2>
          <QueryView query={rulesQuery} loadingLabel="Loading alert rules…">
            {(data) =>
              data.rules.length === 0 ? (
                <EmptyState title="No alert rules yet">
                  Create one with <strong>New rule</strong>, or load a rules file with --alert-rules.
                </EmptyState>
              ) : (
                <RulesTable
                  rules={data.rules}
                  instances={instances}
                  selected={selected}
                  onSelect={(name) =>
                    update({ rule: selected === name ? null : name, instance: null }, { push: true })
                  }
                  onEdit={(name) => update({ edit: name }, { push: true })}
                  onDeleted={(name) =>
                    update({ rule: selected === name ? null : selected, edit: null }, { push: true })
                  }
                />
              )
            }
          </QueryView>
        </section>

        {selectedEntry ? (
          <RuleInstances
            rule={selectedEntry.rule}
            instances={instances}
            endSec={time.window.endSec}
            openFingerprint={openFingerprint}
            onToggleExemplars={toggleExemplars}
            onSilence={silence}
          />
        ) : (
          <section className="card" aria-label="Firing alerts">
            <h2>
              Firing now{service ? ` on ${service}` : ''}
              {service ? (
                <button type="button" className="link-button" onClick={() => update({ service: null })}>
                  show every service
                </button>
              ) : null}
            </h2>
            <QueryView query={instancesQuery} loadingLabel="Loading alerts…">
              {() =>
                firing.length === 0 ? (
                  <EmptyState title="Nothing is firing">
                    Select a rule to see every service it watches.
                  </EmptyState>
                ) : (
                  <InstancesTable
                    label="Firing alerts"
                    rows={firing.map((i) => ({ ...rowOfInstance(i), rule: i.rule }))}
                    signalType={(row) => (row.rule ? (byName.get(row.rule)?.rule.signal.type ?? null) : null)}
                    openFingerprint={openFingerprint}
                    onToggleExemplars={toggleExemplars}
                    onSilence={silence}
                    showRule
                  />
                )
              }
            </QueryView>
          </section>
        )}

        <section className="card" aria-label="History">
          <h2>History{selected ? ` of ${selected}` : ''}</h2>
          <HistoryPanel
            rule={selected ?? undefined}
            window={time.window}
            openEnded={time.range.kind === 'lookback'}
          />
        </section>

        <section className="card" aria-label="Silences" id={SILENCES_ID}>
          <h2>Silences</h2>
          <SilencesPanel
            prefill={params.get('matchers') ?? ''}
            onCreated={() => update({ matchers: null })}
          />
        </section>
      </div>
    </div>
  );
}

/** One rule's instances: the evaluator's, and the other matching services at their current values. */
function RuleInstances({
  rule,
  instances,
  endSec,
  openFingerprint,
  onToggleExemplars,
  onSilence,
}: {
  rule: AlertRule;
  instances: readonly AlertInstance[];
  endSec: number;
  openFingerprint: string | null;
  onToggleExemplars: (fingerprint: string | null) => void;
  onSilence: (row: InstanceRow) => void;
}) {
  const windowSec = previewWindowSec(rule.signal);
  const services = useServicesQuery({ startSec: endSec - windowSec, endSec });
  const rows = instanceRows(rule, instances, services.data?.services);
  return (
    <section className="card" aria-label={`Instances of ${rule.name}`}>
      <h2>Instances of {rule.name}</h2>
      {rows.length === 0 ? (
        <EmptyState title={services.isPending ? 'Loading…' : 'Nothing in scope reported traffic'} />
      ) : (
        <InstancesTable
          label={`Instances of ${rule.name}`}
          rows={rows}
          signalType={rule.signal.type}
          openFingerprint={openFingerprint}
          onToggleExemplars={onToggleExemplars}
          onSilence={onSilence}
        />
      )}
    </section>
  );
}
