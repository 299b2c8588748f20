import type { HealthStatus } from '@meshscope/query/api';
import { HEALTH_COLOUR, HEALTH_LABEL } from '../lib/health';

export function HealthBadge({ health }: { health: HealthStatus }) {
  return (
    <span className="health-badge" data-health={health} title={HEALTH_LABEL[health]}>
      <span className="health-dot" style={{ background: HEALTH_COLOUR[health] }} aria-hidden="true" />
      {HEALTH_LABEL[health]}
    </span>
  );
}
