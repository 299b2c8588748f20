import { useQuery } from '@tanstack/react-query';
import { alertsApi } from '../api/alerts';
import { queryKeys } from './query-keys';

export function useSilencesQuery() {
  return useQuery({ queryKey: queryKeys.silences(), queryFn: ({ signal }) => alertsApi.silences(signal) });
}
