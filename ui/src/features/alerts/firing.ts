import type { AlertInstance } from '@meshscope/query/api';

/** Firing alerts per service and per edge, for the badges on topology nodes and services rows. */
export interface FiringIndex {
  /** service name → firing instances about it (service and operation scopes, and edges into it) */
  services: ReadonlyMap<string, number>;
  /** total firing instances */
  total: number;
}

export const EMPTY_FIRING: FiringIndex = { services: new Map(), total: 0 };

export function firingIndex(instances: readonly AlertInstance[]): FiringIndex {
  const services = new Map<string, number>();
  let total = 0;
  for (const instance of instances) {
    if (instance.status !== 'firing') continue;
    total++;
    // an edge alert is about the callee's answers: badge the destination
    const service = instance.labels.service ?? instance.labels.destination;
    if (service !== undefined) services.set(service, (services.get(service) ?? 0) + 1);
  }
  return { services, total };
}

export const firingLabel = (count: number): string => `${count} alert${count === 1 ? '' : 's'} firing`;
