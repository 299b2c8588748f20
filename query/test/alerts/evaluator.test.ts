import { ReadApi } from '@meshscope/collector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AlertRule } from '../../src/api/alerts.js';
import { alertsConfigSchema, type AlertsConfig } from '../../src/alerts/config.js';
import { AlertEvaluator } from '../../src/alerts/evaluator.js';
import { Notifier } from '../../src/alerts/notify/dispatcher.js';
import type { WebhookPayload } from '../../src/alerts/notify/payloads.js';
import { RuleRegistry } from '../../src/alerts/registry.js';
import { parseRule } from '../../src/alerts/rules.js';
import { AlertStore } from '../../src/alerts/store.js';
import { requestHistogram, type Hop } from '../helpers/mesh.js';
import { openTestStorage, type TestStorage } from '../helpers/storage.js';
import { closedPort, startReceiver, type Receiver } from './receivers.js';

/** Alertmanager OpenAPI v2 `postableAlerts`: labels required; the rest optional; times RFC 3339. */
const rfc3339 = z.iso.datetime({ offset: true });
const postableAlertsSchema = z.array(
  z.object({
    labels: z.record(z.string(), z.string()).refine((l) => Object.keys(l).length > 0),
    annotations: z.record(z.string(), z.string()).optional(),
    startsAt: rfc3339.optional(),
    endsAt: rfc3339.optional(),
    generatorURL: z.url().optional(),
  }),
);

const svc = (app: string) => ({ app, version: 'v1', namespace: 'shop' });
const cartPayments: Hop = { source: svc('cart'), dest: svc('payments') };
const webCart: Hop = { source: svc('web'), dest: svc('cart') };
const repeat = (n: number): number[] => new Array<number>(n).fill(0.02);

const baseSec = Math.floor(Date.now() / 60_000) * 60 - 3600;
const t0Ms = (baseSec + 120) * 1000;

let db: TestStorage;
let webhook: Receiver;
let alertmanager: Receiver;
let slack: Receiver;
let config: AlertsConfig;
let clockMs = t0Ms;

beforeAll(async () => {
  db = await openTestStorage();
  await db.sink.writeMetrics({
    sums: [],
    gauges: [],
    histograms: [
      // payments: 30 of 200 requests fail (15 %); cart: all 300 succeed
      requestHistogram(cartPayments, 'destination', 200, repeat(170), baseSec + 30),
      requestHistogram(cartPayments, 'destination', 503, repeat(30), baseSec + 30),
      requestHistogram(webCart, 'destination', 200, repeat(300), baseSec + 30),
    ],
  });
  webhook = await startReceiver();
  alertmanager = await startReceiver((body, path) => {
    if (path !== '/api/v2/alerts') throw new Error(`unexpected path ${path}`);
    postableAlertsSchema.parse(body);
  });
  slack = await startReceiver();
  const fast = {
    groupWaitSec: 0,
    groupIntervalSec: 0,
    repeatIntervalSec: 3600,
    retryBackoffMs: 10,
    timeoutSec: 2,
  };
  config = alertsConfigSchema.parse({
    externalUrl: 'http://meshscope.test:16686',
    receivers: [
      { type: 'webhook', name: 'hook', url: `${webhook.url}/hook`, ...fast },
      { type: 'alertmanager', name: 'am', url: alertmanager.url, timeoutSec: 2, retryBackoffMs: 10 },
      { type: 'slack', name: 'slack', url: `${slack.url}/services/T/B/X`, ...fast },
      {
        type: 'webhook',
        name: 'down',
        url: `http://127.0.0.1:${await closedPort()}/`,
        ...fast,
        maxRetries: 2,
      },
    ],
  });
});
afterAll(async () => {
  await Promise.all([webhook?.close(), alertmanager?.close(), slack?.close()]);
  await db?.cleanup();
});

const RULE = parseRule({
  name: 'HighErrorRate',
  scope: { service: '*' },
  signal: { type: 'error_rate', window: '5m', threshold: 0.05 },
  for: '1m',
  minRequests: 50,
  labels: { severity: 'page' },
  annotations: { summary: '{{service}} fails {{value}} of requests (threshold {{threshold}})' },
});

/** An evaluator of RULE over the seeded rollups, notifying the receivers above (or `o`'s), at `clockMs`. */
function evaluator(
  store: AlertStore,
  o: { rule?: AlertRule; receivers?: AlertsConfig['receivers']; now?: () => number } = {},
): AlertEvaluator {
  return new AlertEvaluator({
    read: new ReadApi(db.storage, db.config.queryLimits),
    store,
    rules: new RuleRegistry([o.rule ?? RULE], store),
    notifier: new Notifier({
      receivers: o.receivers ?? config.receivers,
      store,
      externalUrl: config.externalUrl,
      evaluationIntervalSec: 15,
    }),
    intervalSec: 15,
    now: o.now ?? (() => clockMs),
  });
}

describe('alert evaluation over the rollups, with notifications', () => {
  it('goes pending, fires after `for`, notifies every receiver, survives a restart, resolves', async () => {
    const store = new AlertStore(db.storage);
    const first = evaluator(store);

    const pending = await first.tick();
    expect(pending.transitions.map((t) => t.transition)).toEqual(['pending']);
    expect(pending.notifications).toEqual([]);
    expect(first.instances()).toMatchObject([
      {
        status: 'pending',
        labels: { alertname: 'HighErrorRate', service: 'payments', severity: 'page' },
        value: 0.15,
      },
    ]);

    clockMs += 60_000;
    const firing = await first.tick();
    expect(firing.transitions.map((t) => t.transition)).toEqual(['firing']);
    await Promise.all([webhook.received(1), alertmanager.received(1), slack.received(1)]);

    const hook = webhook.bodies[0] as WebhookPayload;
    expect(hook).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'hook',
      groupKey: '{}:{alertname="HighErrorRate"}',
      groupLabels: { alertname: 'HighErrorRate' },
      commonLabels: { alertname: 'HighErrorRate', service: 'payments', severity: 'page' },
      commonAnnotations: { summary: 'payments fails 0.15 of requests (threshold 0.05)' },
      externalURL: 'http://meshscope.test:16686',
      truncatedAlerts: 0,
    });
    expect(hook.alerts).toHaveLength(1);
    expect(hook.alerts[0]).toMatchObject({
      status: 'firing',
      startsAt: new Date(t0Ms).toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://meshscope.test:16686/alerts?rule=HighErrorRate',
    });
    expect(hook.alerts[0]?.fingerprint).toMatch(/^[0-9a-f]{16}$/);

    const [amAlert] = postableAlertsSchema.parse(alertmanager.bodies[0]);
    expect(amAlert?.labels).toEqual(hook.alerts[0]?.labels);
    expect(Date.parse(amAlert?.endsAt ?? '')).toBe(clockMs + 4 * 60_000);
    expect((slack.bodies[0] as { text: string }).text).toBe('[FIRING:1] HighErrorRate');

    const failed = firing.notifications.filter((n) => n.event === 'notify_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ receiver: 'down', rule: 'HighErrorRate' });
    expect(failed[0]?.message).toMatch(/ECONNREFUSED.*after 3 attempts/);

    // A restart: state and notification groups come back from ClickHouse; nothing is sent twice.
    await first.close();
    clockMs += 15_000;
    const second = evaluator(new AlertStore(db.storage));
    const again = await second.tick();
    expect(again.transitions).toEqual([]);
    expect(second.instances()).toMatchObject([{ status: 'firing', firedAtMs: t0Ms + 60_000 }]);
    expect(webhook.bodies).toHaveLength(1);
    expect(slack.bodies).toHaveLength(1);
    // Alertmanager is re-sent every resend delay (60 s) while firing, with a later endsAt.
    clockMs += 60_000;
    await second.tick();
    await alertmanager.received(2);
    expect(webhook.bodies).toHaveLength(1);

    // The requests leave the 5-minute window: no data → the condition is false → resolved and notified.
    clockMs = t0Ms + 10 * 60_000;
    const resolved = await second.tick();
    expect(resolved.transitions.map((t) => t.transition)).toEqual(['resolved']);
    await Promise.all([webhook.received(2), slack.received(2)]);
    expect(webhook.bodies[1]).toMatchObject({ status: 'resolved', alerts: [{ status: 'resolved' }] });
    const amResolved = postableAlertsSchema.parse(alertmanager.bodies.at(-1));
    expect(Date.parse(amResolved[0]?.endsAt ?? '')).toBe(clockMs);

    const history = await store.history({
      startMs: 0,
      endMs: clockMs + 1,
      rule: 'HighErrorRate',
      limit: 100,
    });
    const transitions = history.filter((e) => ['pending', 'firing', 'resolved'].includes(e.event)).reverse();
    expect(transitions.map((e) => [e.event, e.timeMs])).toEqual([
      ['pending', t0Ms],
      ['firing', t0Ms + 60_000],
      ['resolved', t0Ms + 10 * 60_000],
    ]);
    expect(transitions[1]).toMatchObject({ value: 0.15, threshold: 0.05, labels: { service: 'payments' } });
    expect(history.some((e) => e.event === 'notify_failed' && e.receiver === 'down')).toBe(true);
    expect(history.some((e) => e.event === 'notified' && e.receiver === 'hook')).toBe(true);
    await second.close();
  });
});

describe('a receiver that does not answer', () => {
  it('holds neither the evaluation nor the other receivers, and its outcome is recorded when it ends', async () => {
    const hung = await startReceiver();
    hung.holding = true;
    const quick = await startReceiver();
    const hook = { type: 'webhook', groupWaitSec: 0, groupIntervalSec: 0, repeatIntervalSec: 3600 };
    const { receivers } = alertsConfigSchema.parse({
      receivers: [
        // without the change, the evaluation waited for this one: up to 60 s here
        { ...hook, name: 'hung', url: `${hung.url}/hook`, timeoutSec: 60, maxRetries: 0 },
        { ...hook, name: 'quick', url: `${quick.url}/hook` },
      ],
    });
    const store = new AlertStore(db.storage);
    let nowMs = t0Ms;
    // RULE under its own name, so the first test's state and history stay apart
    const rule = { ...RULE, name: 'SlowReceiver', scope: { service: 'payments' } };
    const ev = evaluator(store, { rule, receivers, now: () => nowMs });
    await ev.tick();
    nowMs += 60_000;
    const firing = await ev.tick();
    expect(firing.transitions.map((t) => t.transition)).toEqual(['firing']);
    await hung.received(1);
    // back from the evaluation while `hung` still holds its request; `quick` was not kept waiting
    expect(firing.notifications.map((n) => [n.receiver, n.event])).toEqual([['quick', 'notified']]);
    expect(quick.bodies).toHaveLength(1);

    // the next evaluation leaves the busy receiver alone: no second request to it
    nowMs += 15_000;
    await ev.tick();
    expect(hung.bodies).toHaveLength(1);

    hung.release();
    await ev.close(); // waits for the notifier's sends in flight
    const history = await store.history({ startMs: 0, endMs: nowMs + 1, rule: 'SlowReceiver', limit: 100 });
    const notified = history.filter((e) => e.event === 'notified').map((e) => e.receiver);
    expect(notified.sort()).toEqual(['hung', 'quick']);
    await Promise.all([hung.close(), quick.close()]);
  });
});
