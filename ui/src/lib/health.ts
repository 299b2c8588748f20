import type { HealthStatus } from '@meshscope/query/api';

/** Kiali's health colours (PatternFly palette): red failure, orange degraded, green healthy, grey no traffic. */
export const HEALTH_COLOUR: Record<HealthStatus, string> = {
  Healthy: '#3e8635',
  Degraded: '#f0ab00',
  Failure: '#c9190b',
  NA: '#8a8d90',
};

export const HEALTH_LABEL: Record<HealthStatus, string> = {
  Healthy: 'Healthy',
  Degraded: 'Degraded',
  Failure: 'Failure',
  NA: 'No traffic',
};

/** Worst first, for sorting by health. */
export const HEALTH_RANK: Record<HealthStatus, number> = { Failure: 0, Degraded: 1, Healthy: 2, NA: 3 };
