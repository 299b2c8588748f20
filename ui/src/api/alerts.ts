import { z } from 'zod';
import {
  exemplarsResponseSchema,
  historyResponseSchema,
  instancesResponseSchema,
  ruleResponseSchema,
  rulesResponseSchema,
  silenceSchema,
  silencesResponseSchema,
  type AlertRuleInput,
  type silenceInputSchema,
} from '@meshscope/query/api';
import { buildUrl, getJson, sendJson } from './client';

/** The alerting API (`/api/mesh/alerts/*`), validated with the query service's own schemas. */

const enc = encodeURIComponent;
const noContent = z.null();

export const alertsApi = {
  rules: (signal?: AbortSignal) => getJson('/api/mesh/alerts/rules', rulesResponseSchema, signal),

  createRule: (rule: AlertRuleInput) => sendJson('POST', '/api/mesh/alerts/rules', rule, ruleResponseSchema),

  replaceRule: (name: string, rule: AlertRuleInput) =>
    sendJson('PUT', `/api/mesh/alerts/rules/${enc(name)}`, rule, ruleResponseSchema),

  deleteRule: (name: string) =>
    sendJson('DELETE', `/api/mesh/alerts/rules/${enc(name)}`, undefined, noContent),

  /** every pending, firing and recently resolved instance (one request the whole app shares) */
  instances: (signal?: AbortSignal) => getJson('/api/mesh/alerts/instances', instancesResponseSchema, signal),

  exemplars: (fingerprint: string, signal?: AbortSignal) =>
    getJson(`/api/mesh/alerts/instances/${enc(fingerprint)}/exemplars`, exemplarsResponseSchema, signal),

  history: (params: { rule?: string; startSec: number; endSec?: number }, signal?: AbortSignal) =>
    getJson(buildUrl('/api/mesh/alerts/history', params), historyResponseSchema, signal),

  silences: (signal?: AbortSignal) => getJson('/api/mesh/alerts/silences', silencesResponseSchema, signal),

  createSilence: (silence: NewSilence) =>
    sendJson('POST', '/api/mesh/alerts/silences', silence, silenceSchema),

  expireSilence: (id: string) =>
    sendJson('DELETE', `/api/mesh/alerts/silences/${enc(id)}`, undefined, silenceSchema),
};

export type NewSilence = z.input<typeof silenceInputSchema>;
export type InstancesResponse = z.infer<typeof instancesResponseSchema>;
