import type { GraphType } from '@meshscope/query/api';
import { TimeRangePicker } from '../../components/TimeRangePicker';
import type { TimeWindowState } from '../../hooks/useTimeWindow';
import type { ParseResult } from '../../lib/expression-filter';
import { useSearchParams } from '../../routing/router';
import { EDGE_LABEL_MODES, EDGE_LABEL_NAMES, type EdgeLabelMode } from './edge-label';

const GRAPH_TYPES: { value: GraphType; label: string }[] = [
  { value: 'service', label: 'Service graph' },
  { value: 'versioned', label: 'Versioned graph' },
  { value: 'workload', label: 'Workload graph' },
];

function FilterField({
  name,
  label,
  result,
  placeholder,
}: {
  name: string;
  label: string;
  result: ParseResult | null;
  placeholder: string;
}) {
  const [params, update] = useSearchParams();
  return (
    <label>
      {label}
      <input
        type="search"
        aria-label={label}
        placeholder={placeholder}
        size={22}
        value={params.get(name) ?? ''}
        aria-invalid={result?.ok === false}
        title={
          result?.ok === false ? result.error : 'a name, or error% > 5, rps > 10, p95 > 200, health = failure'
        }
        onChange={(e) => update({ [name]: e.target.value })}
      />
      {result?.ok === false ? (
        <span className="field-error" role="alert">
          {result.error}
        </span>
      ) : null}
    </label>
  );
}

export function TopologyToolbar({
  time,
  graphType,
  labelMode,
  idle,
  find,
  hide,
}: {
  time: TimeWindowState;
  graphType: GraphType;
  labelMode: EdgeLabelMode;
  idle: boolean;
  find: ParseResult | null;
  hide: ParseResult | null;
}) {
  const [, update] = useSearchParams();
  return (
    <div className="toolbar">
      <select
        aria-label="Graph type"
        value={graphType}
        onChange={(e) => update({ graph: e.target.value }, { push: true })}
      >
        {GRAPH_TYPES.map((t) => (
          <option key={t.value} value={t.value}>
            {t.label}
          </option>
        ))}
      </select>
      <select aria-label="Edge labels" value={labelMode} onChange={(e) => update({ labels: e.target.value })}>
        {EDGE_LABEL_MODES.map((m) => (
          <option key={m} value={m}>
            {EDGE_LABEL_NAMES[m]}
          </option>
        ))}
      </select>
      <label>
        <input
          type="checkbox"
          checked={idle}
          onChange={(e) => update({ idle: e.target.checked ? '1' : null })}
        />
        Idle nodes
      </label>
      <FilterField name="find" label="Find" result={find} placeholder="find: name or error% > 5" />
      <FilterField name="hide" label="Hide" result={hide} placeholder="hide: name or rps < 1" />
      <span className="spacer" />
      <TimeRangePicker time={time} />
    </div>
  );
}
