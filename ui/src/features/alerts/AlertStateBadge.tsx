import type { InstanceState } from './instance-rows';

const LABEL: Record<InstanceState, string> = {
  inactive: 'Inactive',
  pending: 'Pending',
  firing: 'Firing',
  resolved: 'Resolved',
};

/** Prometheus' alert states with its colours (green inactive, amber pending, red firing). */
export function AlertStateBadge({ state, count }: { state: InstanceState; count?: number }) {
  return (
    <span className="alert-state" data-state={state}>
      {LABEL[state]}
      {count !== undefined && count > 1 ? ` (${count})` : ''}
    </span>
  );
}
