import type { FastifyBaseLogger } from 'fastify';
import type { HistoryEvent } from '../../api/alerts.js';
import type { GroupingReceiver, ReceiverConfig } from '../config.js';
import type { AlertStore, GroupState } from '../store.js';
import { afterDelivery, planGroups, type NotifyAlert, type PlannedGroup } from './grouping.js';
import { DeliveryError, postJson } from './http.js';
import { alertmanagerAlerts, slackMessage, webhookPayload } from './payloads.js';

/**
 * Sends what the evaluator decided to every receiver: grouped notifications to webhooks and Slack (group
 * state persisted, so a restart neither repeats nor forgets a notification), and the full alert list to
 * Alertmanager (re-sent every resend delay while firing, at once on any change). Every outcome of a
 * grouped send and every failure is recorded as a history event (and a warning in the log for a failure);
 * nothing fails silently.
 *
 * Receivers are independent of the evaluation and of each other, as Prometheus' notifier queue and
 * Alertmanager's per-receiver pipelines are: a receiver that hangs holds itself for up to its timeout ×
 * attempts plus backoff (~44 s with the defaults), and no rule's evaluation nor any other receiver waits
 * for it. While it is busy, later dispatches skip it; its next turn plans from the alerts of that moment.
 */

export interface DispatchInput {
  /** firing and resolved instances that are not silenced, each with the receivers its rule names */
  alerts: ReadonlyArray<NotifyAlert & { receivers?: readonly string[] | undefined }>;
  /** some instance changed state in this evaluation */
  changed: boolean;
  nowMs: number;
}

export interface NotifierOptions {
  receivers: readonly ReceiverConfig[];
  store: AlertStore;
  externalUrl: string;
  evaluationIntervalSec: number;
  /** aborted on shutdown: pending retries stop */
  cancel?: AbortSignal;
  /** how long `dispatch` waits for the sends it started before returning (they go on after it) */
  waitMs?: number;
  log?: FastifyBaseLogger | undefined;
}

/** Long enough for a receiver that answers, short of holding the evaluation for one that does not. */
const DEFAULT_WAIT_MS = 2000;

export class Notifier {
  readonly #groups = new Map<string, Map<string, GroupState>>();
  /** when each Alertmanager receiver was last sent to (in memory: a restart sends once more, harmlessly) */
  readonly #lastPushMs = new Map<string, number>();
  /** failed groups wait a little before the next try instead of hammering a broken receiver every tick */
  readonly #retryAtMs = new Map<string, number>();
  /** receivers whose sends of an earlier dispatch have not ended */
  readonly #busy = new Map<string, Promise<HistoryEvent[]>>();
  /** Alertmanager receivers that were busy when something changed: their next push is a change too */
  readonly #missedChange = new Set<string>();

  constructor(private readonly opts: NotifierOptions) {}

  async load(): Promise<void> {
    for (const g of await this.opts.store.loadGroups()) {
      const forReceiver = this.#groups.get(g.receiver) ?? new Map<string, GroupState>();
      forReceiver.set(g.groupKey, g);
      this.#groups.set(g.receiver, forReceiver);
    }
  }

  /**
   * Starts the sends of every receiver not still busy from an earlier dispatch, and waits for them up to
   * `waitMs`. Returns the outcomes of those that ended within it; every outcome is recorded when its
   * receiver's sends end, returned or not.
   */
  async dispatch(input: DispatchInput): Promise<HistoryEvent[]> {
    const ended: HistoryEvent[] = [];
    const started: Promise<void>[] = [];
    for (const r of this.opts.receivers) {
      if (this.#busy.has(r.name)) {
        if (input.changed) this.#missedChange.add(r.name);
        continue;
      }
      const alerts = input.alerts.filter((a) => !a.receivers || a.receivers.includes(r.name));
      const run = this.#send(r, alerts, input)
        .then(async (events) => {
          await this.#record(events);
          return events;
        })
        .catch((err: unknown) => {
          this.opts.log?.error({ err, receiver: r.name }, 'alert notification failed unexpectedly');
          return [];
        })
        .finally(() => this.#busy.delete(r.name));
      this.#busy.set(r.name, run);
      started.push(run.then((events) => void ended.push(...events)));
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(started),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, this.opts.waitMs ?? DEFAULT_WAIT_MS))),
    ]);
    clearTimeout(timer);
    return [...ended];
  }

  /** Resolves once no receiver has sends in flight (on shutdown, after `cancel` stopped their retries). */
  async idle(): Promise<void> {
    await Promise.all(this.#busy.values());
  }

  #send(r: ReceiverConfig, alerts: readonly NotifyAlert[], input: DispatchInput): Promise<HistoryEvent[]> {
    if (r.type !== 'alertmanager') return this.#grouped(r, alerts, input.nowMs);
    const changed = this.#missedChange.delete(r.name) || input.changed;
    return this.#push(r, alerts, { ...input, changed });
  }

  async #record(events: readonly HistoryEvent[]): Promise<void> {
    if (events.length === 0) return;
    for (const e of events)
      if (e.event === 'notify_failed')
        this.opts.log?.warn(
          { rule: e.rule, receiver: e.receiver, reason: e.message },
          'alert notification failed',
        );
    await this.opts.store.appendHistory(events);
  }

  async #grouped(
    r: GroupingReceiver,
    alerts: readonly NotifyAlert[],
    nowMs: number,
  ): Promise<HistoryEvent[]> {
    const groups = this.#groups.get(r.name) ?? new Map<string, GroupState>();
    this.#groups.set(r.name, groups);
    const { planned, forget } = planGroups(r.name, alerts, groups, r, nowMs);
    const events: HistoryEvent[] = [];
    const save = new Map<string, GroupState>();
    const gone = forget.map((groupKey) => ({ receiver: r.name, groupKey }));
    for (const key of forget) groups.delete(key);
    for (const g of planned) {
      const retryKey = `${r.name}\u0000${g.groupKey}`;
      if (!groups.has(g.groupKey)) {
        groups.set(g.groupKey, g.state);
        save.set(g.groupKey, g.state);
      }
      if (!g.send || (this.#retryAtMs.get(retryKey) ?? 0) > nowMs) continue;
      const outcome = await this.#deliver(r, g);
      if (outcome === undefined) {
        this.#retryAtMs.delete(retryKey);
        const next = afterDelivery(g.state, g.alerts, nowMs);
        if (next) {
          groups.set(g.groupKey, next);
          save.set(g.groupKey, next);
        } else {
          groups.delete(g.groupKey);
          save.delete(g.groupKey);
          gone.push({ receiver: r.name, groupKey: g.groupKey });
        }
      } else {
        this.#retryAtMs.set(retryKey, nowMs + Math.min(60, Math.max(r.groupIntervalSec, 5)) * 1000);
      }
      events.push(...g.alerts.map((a) => event(a, r.name, nowMs, outcome, g.groupKey)));
    }
    await this.opts.store.saveGroups([...save.values()], gone);
    return events;
  }

  async #deliver(r: GroupingReceiver, g: PlannedGroup): Promise<string | undefined> {
    const body =
      r.type === 'slack'
        ? slackMessage(g, this.opts.externalUrl)
        : webhookPayload(r.name, g, this.opts.externalUrl, r.maxAlerts);
    return failureOf(postJson(r.url, body, r, this.opts.cancel));
  }

  async #push(
    r: Extract<ReceiverConfig, { type: 'alertmanager' }>,
    alerts: readonly NotifyAlert[],
    input: DispatchInput,
  ): Promise<HistoryEvent[]> {
    const last = this.#lastPushMs.get(r.name);
    const due = input.changed || last === undefined || input.nowMs - last >= r.resendDelaySec * 1000;
    if (!due || alerts.length === 0) return [];
    const body = alertmanagerAlerts(
      alerts,
      this.opts.externalUrl,
      input.nowMs,
      this.opts.evaluationIntervalSec,
    );
    const url = `${r.url.replace(/\/$/, '')}/api/v2/alerts`;
    const failure = await failureOf(postJson(url, body, r, this.opts.cancel));
    if (failure === undefined) {
      this.#lastPushMs.set(r.name, input.nowMs);
      return [];
    }
    return alerts.map((a) => event(a, r.name, input.nowMs, failure, 'alertmanager'));
  }
}

/** undefined when delivered, else why not. */
async function failureOf(delivery: Promise<void>): Promise<string | undefined> {
  try {
    await delivery;
    return undefined;
  } catch (err) {
    return err instanceof DeliveryError ? err.message : (err as Error).message;
  }
}

function event(
  a: NotifyAlert,
  receiver: string,
  nowMs: number,
  failure: string | undefined,
  what: string,
): HistoryEvent {
  return {
    timeMs: nowMs,
    rule: a.rule,
    fingerprint: a.fingerprint,
    event: failure === undefined ? 'notified' : 'notify_failed',
    value: a.value,
    threshold: a.threshold,
    labels: a.labels,
    receiver,
    message: failure === undefined ? `${a.status} sent (${what})` : `${a.status} not delivered: ${failure}`,
  };
}
