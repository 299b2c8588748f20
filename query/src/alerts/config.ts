import { z } from 'zod';

/**
 * The `alerts` section of the query configuration: the rules file, the evaluation interval, whether this
 * replica runs the evaluator (exactly one per deployment should), and where notifications go. Receiver
 * URLs may carry secrets (Slack webhook paths): they are never logged.
 */

const name = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'receiver names are letters, digits, _ . - (at most 64)');
const url = z.url().refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL');

const delivery = {
  /** one attempt's deadline */
  timeoutSec: z.number().positive().max(120).default(10),
  /** further attempts after a failed one (network error, 5xx, 429), with doubling backoff */
  maxRetries: z.number().int().min(0).max(10).default(3),
  /** first backoff; each retry doubles it */
  retryBackoffMs: z.number().int().min(0).max(60_000).default(500),
};

const grouping = {
  /** labels that split alerts into notification groups (Alertmanager's group_by) */
  groupBy: z.array(z.string().min(1)).default(['alertname']),
  groupWaitSec: z.number().min(0).default(30),
  groupIntervalSec: z.number().min(0).default(300),
  repeatIntervalSec: z
    .number()
    .min(0)
    .default(4 * 3600),
  /** most alerts in one notification (the rest counted in truncatedAlerts) */
  maxAlerts: z.number().int().min(0).default(0),
};

export const receiverSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('webhook'), name, url, ...grouping, ...delivery }),
  z.strictObject({ type: z.literal('slack'), name, url, ...grouping, ...delivery }),
  z.strictObject({
    type: z.literal('alertmanager'),
    name,
    /** Alertmanager's base URL (alerts go to `<url>/api/v2/alerts`) */
    url,
    /** Prometheus' resend delay: firing alerts are re-sent this often so Alertmanager keeps them */
    resendDelaySec: z.number().positive().default(60),
    ...delivery,
  }),
]);
export type ReceiverConfig = z.infer<typeof receiverSchema>;
export type GroupingReceiver = Extract<ReceiverConfig, { type: 'webhook' | 'slack' }>;

export const alertsConfigSchema = z
  .strictObject({
    /** YAML rules file loaded at start (GitOps); its rules are read-only through the API */
    rulesFile: z.string().min(1).optional(),
    evaluationIntervalSec: z.number().min(1).max(3600).default(15),
    /** run the evaluator in this process (one per deployment; on in the all-in-one) */
    evaluator: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
    receivers: z
      .array(receiverSchema)
      .default([])
      .refine((rs) => new Set(rs.map((r) => r.name)).size === rs.length, 'receiver names must be unique'),
    /** where people open meshscope (externalURL, generatorURL of notifications) */
    externalUrl: z.string().default('http://127.0.0.1:16686'),
  })
  .prefault({});
export type AlertsConfig = z.infer<typeof alertsConfigSchema>;
