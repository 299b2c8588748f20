import { z } from 'zod';

/**
 * Alert rules, instances, silences and history as the API and the rules file carry them (zod only, safe for
 * the browser bundle). Durations are Prometheus' (`30s`, `5m`, `1h30m`, `1d`); thresholds are in the
 * signal's own unit: error rate as a ratio (0.05 = 5 %), latency in ms, request rate in requests/s.
 */

const DURATION_RE = /^(?:\d+(?:ms|s|m|h|d|w))+$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 };

/** Milliseconds of a Prometheus duration (validated by `durationSchema`). */
export function durationMs(text: string): number {
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) total += Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 0);
  return total;
}

export const durationSchema = z
  .string()
  .regex(DURATION_RE, 'must be a duration such as 30s, 5m, 1h30m or 1d');

const windowSchema = durationSchema.refine((d) => durationMs(d) >= 60_000 && durationMs(d) <= 30 * 864e5, {
  message: 'must be between 1m and 30d (rollups are per minute)',
});

export const comparatorSchema = z.enum(['>', '>=', '<', '<=']);
export type Comparator = z.infer<typeof comparatorSchema>;

export const thresholdSignalSchema = z.discriminatedUnion('type', [
  z.strictObject({
    /** failed requests ÷ requests: 5xx, no response, gRPC non-OK (the dashboard's error rate) */
    type: z.literal('error_rate'),
    window: windowSchema,
    op: comparatorSchema.default('>'),
    threshold: z.number().min(0).max(1),
  }),
  z.strictObject({
    type: z.literal('latency'),
    /** the dashboard's quantiles */
    quantile: z.union([z.literal(0.5), z.literal(0.9), z.literal(0.95), z.literal(0.99)]),
    window: windowSchema,
    op: comparatorSchema.default('>'),
    /** milliseconds */
    threshold: z.number().min(0),
  }),
  z.strictObject({
    type: z.literal('request_rate'),
    window: windowSchema,
    op: comparatorSchema.default('>'),
    /** requests per second */
    threshold: z.number().min(0),
  }),
]);

export const burnWindowSchema = z.strictObject({
  long: windowSchema,
  short: windowSchema,
  /** burn rate both windows must exceed */
  factor: z.number().positive(),
});
export type BurnWindow = z.infer<typeof burnWindowSchema>;

/** The SRE workbook's multiwindow, multi-burn-rate alerts for a 30-day SLO. */
export const BURN_WINDOWS: Record<'page' | 'ticket', readonly BurnWindow[]> = {
  page: [
    { long: '1h', short: '5m', factor: 14.4 },
    { long: '6h', short: '30m', factor: 6 },
  ],
  ticket: [
    { long: '1d', short: '2h', factor: 3 },
    { long: '3d', short: '6h', factor: 1 },
  ],
};

export const burnRateSignalSchema = z.strictObject({
  /** error ratio ÷ (1 − slo), over pairs of windows; active when both windows of a pair exceed its factor */
  type: z.literal('burn_rate'),
  /** availability objective, e.g. 0.999 */
  slo: z.number().gt(0).lt(1),
  /** page: 14.4× over 1h and 5m, or 6× over 6h and 30m; ticket: 3× over 1d and 2h, or 1× over 3d and 6h */
  severity: z.enum(['page', 'ticket']).default('page'),
  /** replaces the severity's window pairs */
  windows: z.array(burnWindowSchema).min(1).max(8).optional(),
});

export const signalSchema = z.discriminatedUnion('type', [
  ...thresholdSignalSchema.options,
  burnRateSignalSchema,
]);
export type Signal = z.infer<typeof signalSchema>;

export const scopeSchema = z
  .strictObject({
    /** service name or glob (`*`, `pay-*`, `{a,b}`); default every service */
    service: z.string().min(1).max(200).optional(),
    /** operation (span name) or glob: one instance per service and operation, from spans */
    operation: z.string().min(1).max(500).optional(),
    /** caller → callee (names or globs): one instance per edge */
    edge: z
      .strictObject({ source: z.string().min(1).max(200), destination: z.string().min(1).max(200) })
      .optional(),
  })
  .refine((s) => !(s.edge && (s.service !== undefined || s.operation !== undefined)), {
    message: 'an edge scope stands alone: give either edge, or service/operation',
    path: ['edge'],
  });
export type Scope = z.infer<typeof scopeSchema>;

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'label names are [a-zA-Z_][a-zA-Z0-9_]*');

export const TEMPLATE_VARIABLES = [
  'rule',
  'service',
  'operation',
  'source',
  'destination',
  'value',
  'threshold',
] as const;
const TEMPLATE_RE = /\{\{\s*([^}\s]*)\s*\}\}/g;

const templated = z
  .string()
  .max(4096)
  .superRefine((text, ctx) => {
    for (const m of text.matchAll(TEMPLATE_RE)) {
      const name = (m[1] ?? '').replace(/^\$?(?:labels\.)?/, '');
      if (!(TEMPLATE_VARIABLES as readonly string[]).includes(name)) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown template variable ${m[0]}; known: ${TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(', ')}`,
        });
      }
    }
  });

export const ruleNameSchema = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_.:-]{0,199}$/,
    'rule names are letters, digits, _ . : - (starting with a letter or _)',
  );

export const alertRuleSchema = z.strictObject({
  name: ruleNameSchema,
  scope: scopeSchema.prefault({}),
  signal: signalSchema,
  /** fewer requests than this in the window count as no data, so low traffic does not flap */
  minRequests: z.number().int().min(0).default(0),
  /** how long the condition must hold before the alert fires */
  for: durationSchema.default('0s'),
  /** how long a firing alert stays firing after the condition cleared */
  keepFiringFor: durationSchema.default('0s'),
  /** without data: ok (the condition is false, as in Prometheus), keep (state unchanged), alerting */
  noData: z.enum(['ok', 'keep', 'alerting']).default('ok'),
  labels: z.record(labelName, templated).default({}),
  annotations: z.record(labelName, templated).default({}),
  /** receiver names; absent: every configured receiver */
  receivers: z.array(z.string().min(1)).optional(),
});
export type AlertRule = z.infer<typeof alertRuleSchema>;
export type AlertRuleInput = z.input<typeof alertRuleSchema>;

export const rulesFileSchema = z.strictObject({ rules: z.array(alertRuleSchema).default([]) });

export const ruleResponseSchema = z.object({
  rule: alertRuleSchema,
  /** file: from the rules file (read-only through the API); api: created through the API */
  source: z.enum(['file', 'api']),
});
export const rulesResponseSchema = z.object({ rules: z.array(ruleResponseSchema) });

export const alertStatusSchema = z.enum(['pending', 'firing', 'resolved']);

export const alertInstanceSchema = z.object({
  rule: z.string(),
  fingerprint: z.string(),
  status: alertStatusSchema,
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  value: z.number().nullable(),
  threshold: z.number().nullable(),
  activeAtMs: z.number(),
  firedAtMs: z.number().nullable(),
  resolvedAtMs: z.number().nullable(),
  silenced: z.boolean(),
});
export type AlertInstance = z.infer<typeof alertInstanceSchema>;
export const instancesResponseSchema = z.object({ instances: z.array(alertInstanceSchema) });

export const historyEventSchema = z.object({
  timeMs: z.number(),
  rule: z.string(),
  fingerprint: z.string(),
  event: z.enum(['pending', 'firing', 'resolved', 'dropped', 'notified', 'notify_failed']),
  value: z.number().nullable(),
  threshold: z.number().nullable(),
  labels: z.record(z.string(), z.string()),
  receiver: z.string(),
  message: z.string(),
});
export type HistoryEvent = z.infer<typeof historyEventSchema>;
export const historyResponseSchema = z.object({ events: z.array(historyEventSchema) });

/** Alertmanager's matcher: `isEqual: false` negates. */
export const matcherSchema = z.strictObject({
  name: labelName,
  value: z.string().max(1024),
  isRegex: z.boolean().default(false),
  isEqual: z.boolean().default(true),
});
export type Matcher = z.infer<typeof matcherSchema>;

export const silenceInputSchema = z
  .strictObject({
    matchers: z.array(matcherSchema).min(1).max(32),
    startsAtMs: z.number().int().min(0).optional(),
    endsAtMs: z.number().int().min(0),
    createdBy: z.string().max(200).default(''),
    comment: z.string().max(2000).default(''),
  })
  .refine((s) => s.startsAtMs === undefined || s.endsAtMs > s.startsAtMs, {
    message: 'endsAtMs must be after startsAtMs',
    path: ['endsAtMs'],
  });
export type SilenceInput = z.infer<typeof silenceInputSchema>;

export const silenceSchema = z.object({
  id: z.string(),
  matchers: z.array(matcherSchema),
  startsAtMs: z.number(),
  endsAtMs: z.number(),
  createdBy: z.string(),
  comment: z.string(),
  status: z.enum(['pending', 'active', 'expired']),
});
export type Silence = z.infer<typeof silenceSchema>;
export const silencesResponseSchema = z.object({ silences: z.array(silenceSchema) });

export const exemplarsResponseSchema = z.object({
  fingerprint: z.string(),
  window: z.object({ startSec: z.number(), endSec: z.number() }),
  traceIds: z.array(z.string()),
});
