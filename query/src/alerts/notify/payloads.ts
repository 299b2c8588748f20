import { formatValue } from '../templates.js';
import type { NotifyAlert, PlannedGroup } from './grouping.js';

/**
 * What receivers get: Alertmanager's webhook payload (version 4), Alertmanager API v2 alerts (what
 * Prometheus posts to `/api/v2/alerts`), and a Slack incoming-webhook message.
 */

/** Go's zero time: Alertmanager's endsAt of a firing alert in webhooks. */
const ZERO_TIME = '0001-01-01T00:00:00Z';
const iso = (ms: number): string => new Date(ms).toISOString();

export const generatorUrl = (externalUrl: string, rule: string): string =>
  `${externalUrl.replace(/\/$/, '')}/alerts?rule=${encodeURIComponent(rule)}`;

function common(alerts: readonly NotifyAlert[], pick: (a: NotifyAlert) => Record<string, string>) {
  const [first, ...rest] = alerts;
  if (!first) return {};
  return Object.fromEntries(
    Object.entries(pick(first)).filter(([k, v]) => rest.every((a) => pick(a)[k] === v)),
  );
}

export interface WebhookPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: Array<{
    status: 'firing' | 'resolved';
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    generatorURL: string;
    fingerprint: string;
  }>;
}

export function webhookPayload(
  receiver: string,
  group: Pick<PlannedGroup, 'groupKey' | 'groupLabels' | 'alerts'>,
  externalUrl: string,
  maxAlerts: number,
): WebhookPayload {
  const shown = maxAlerts > 0 ? group.alerts.slice(0, maxAlerts) : group.alerts;
  return {
    version: '4',
    groupKey: group.groupKey,
    truncatedAlerts: group.alerts.length - shown.length,
    status: group.alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver,
    groupLabels: group.groupLabels,
    commonLabels: common(group.alerts, (a) => a.labels),
    commonAnnotations: common(group.alerts, (a) => a.annotations),
    externalURL: externalUrl,
    alerts: shown.map((a) => ({
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: iso(a.startsAtMs),
      endsAt: a.endsAtMs === null ? ZERO_TIME : iso(a.endsAtMs),
      generatorURL: generatorUrl(externalUrl, a.rule),
      fingerprint: a.fingerprint,
    })),
  };
}

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

/** Prometheus' send: a firing alert's endsAt is now + 4 × max(evaluation interval, 1 m), so it expires if we stop. */
export function alertmanagerAlerts(
  alerts: readonly NotifyAlert[],
  externalUrl: string,
  nowMs: number,
  evaluationIntervalSec: number,
): AlertmanagerAlert[] {
  const validForMs = 4 * Math.max(evaluationIntervalSec, 60) * 1000;
  return alerts.map((a) => ({
    labels: a.labels,
    annotations: a.annotations,
    startsAt: iso(a.startsAtMs),
    endsAt: iso(a.endsAtMs ?? nowMs + validForMs),
    generatorURL: generatorUrl(externalUrl, a.rule),
  }));
}

export function slackMessage(group: Pick<PlannedGroup, 'groupLabels' | 'alerts'>, externalUrl: string) {
  const firing = group.alerts.filter((a) => a.status === 'firing');
  const status = firing.length > 0 ? `FIRING:${firing.length}` : 'RESOLVED';
  const title = Object.values(group.groupLabels).filter(Boolean).join(' ') || 'meshscope alert';
  const lines = group.alerts.map((a) => {
    const what = a.annotations.summary ?? a.labels.alertname ?? a.rule;
    const who = [
      a.labels.service,
      a.labels.operation,
      a.labels.source && `${a.labels.source} → ${a.labels.destination}`,
    ]
      .filter(Boolean)
      .join(' ');
    const value =
      a.value === null ? '' : ` (value ${formatValue(a.value)}, threshold ${formatValue(a.threshold)})`;
    return `• ${a.status === 'firing' ? '🔥' : '✅'} ${what}${who ? ` — ${who}` : ''}${value}`;
  });
  return {
    text: `[${status}] ${title}`,
    attachments: [
      {
        color: firing.length > 0 ? 'danger' : 'good',
        title: `[${status}] ${title}`,
        title_link: generatorUrl(externalUrl, group.alerts[0]?.rule ?? ''),
        text: lines.join('\n'),
      },
    ],
  };
}
