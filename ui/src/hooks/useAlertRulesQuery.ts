import { useQuery } from '@tanstack/react-query';
import { alertsApi } from '../api/alerts';
import { queryKeys } from './query-keys';

export function useAlertRulesQuery() {
  return useQuery({ queryKey: queryKeys.alertRules(), queryFn: ({ signal }) => alertsApi.rules(signal) });
}
