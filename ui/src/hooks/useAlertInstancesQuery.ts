import { useQuery } from '@tanstack/react-query';
import type { InstancesResponse } from '../api/alerts';
import { alertsApi } from '../api/alerts';
import { firingIndex, type FiringIndex } from '../features/alerts/firing';
import { queryKeys } from './query-keys';

/** The evaluator's default interval: state cannot change faster than this. */
const REFRESH_MS = 15_000;

const instancesQuery = {
  queryKey: queryKeys.alertInstances(),
  queryFn: ({ signal }: { signal: AbortSignal }) => alertsApi.instances(signal),
  refetchInterval: REFRESH_MS,
};

/** Every pending, firing and recently resolved alert instance. */
export function useAlertInstancesQuery() {
  return useQuery(instancesQuery);
}

const selectFiring = (data: InstancesResponse): FiringIndex => firingIndex(data.instances);

/**
 * Firing alerts per service, for badges. The same query (and cache entry) as the alerts page, so the
 * topology, the services table and the alerts page share one request.
 */
export function useFiringAlertsQuery() {
  return useQuery({ ...instancesQuery, select: selectFiring });
}
