import { useQuery } from '@tanstack/react-query';
import { alertsApi } from '../api/alerts';
import { queryKeys } from './query-keys';

/** Example traces of a firing instance's failing requests (asked for when a person opens them). */
export function useAlertExemplarsQuery(fingerprint: string) {
  return useQuery({
    queryKey: queryKeys.alertExemplars(fingerprint),
    queryFn: ({ signal }) => alertsApi.exemplars(fingerprint, signal),
  });
}
