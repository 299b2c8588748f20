import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { AlertRuleInput } from '@meshscope/query/api';
import { alertsApi, type NewSilence } from '../api/alerts';
import { queryKeys } from './query-keys';

/** Writes to the alerting API; each refreshes every alerts query (rules, instances, history, silences). */
function useAlertsInvalidation() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: queryKeys.alerts() });
}

/** Creates a rule, or replaces the rule named `replacing`. */
export function useSaveRuleMutation() {
  const invalidate = useAlertsInvalidation();
  return useMutation({
    mutationFn: ({ rule, replacing }: { rule: AlertRuleInput; replacing: string | null }) =>
      replacing === null ? alertsApi.createRule(rule) : alertsApi.replaceRule(replacing, rule),
    onSuccess: invalidate,
  });
}

export function useDeleteRuleMutation() {
  const invalidate = useAlertsInvalidation();
  return useMutation({ mutationFn: (name: string) => alertsApi.deleteRule(name), onSuccess: invalidate });
}

export function useCreateSilenceMutation() {
  const invalidate = useAlertsInvalidation();
  return useMutation({
    mutationFn: (silence: NewSilence) => alertsApi.createSilence(silence),
    onSuccess: invalidate,
  });
}

export function useExpireSilenceMutation() {
  const invalidate = useAlertsInvalidation();
  return useMutation({ mutationFn: (id: string) => alertsApi.expireSilence(id), onSuccess: invalidate });
}
