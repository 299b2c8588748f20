import type { ReadApi } from '@meshscope/collector';
import type { FastifyBaseLogger } from 'fastify';
import { durationMs, type AlertRule, type HistoryEvent } from '../api/alerts.js';
import { fingerprint } from './fingerprint.js';
import type { NotifyAlert } from './notify/grouping.js';
import type { Notifier } from './notify/dispatcher.js';
import type { RuleRegistry } from './registry.js';
import { compileScope } from './scope.js';
import { inScope, observe, primaryWindowSec, SignalReader, subjectKey, type Subject } from './signals.js';
import { isSilenced } from './silences.js';
import { step, type Transition } from './state-machine.js';
import type { AlertStore, StoredInstance } from './store.js';
import { formatValue, renderAll } from './templates.js';

/**
 * Evaluates every rule on a fixed interval: reads the signals, steps each instance's state machine,
 * persists state and transitions (so a restart neither re-notifies nor forgets), and hands firing and
 * resolved instances to the notifier. One evaluation at a time; the next starts an interval after the last
 * one ended. Exactly one evaluator should run per deployment.
 */

export interface EvaluatorDeps {
  read: ReadApi;
  store: AlertStore;
  rules: RuleRegistry;
  notifier: Notifier;
  intervalSec: number;
  now: () => number;
  log?: FastifyBaseLogger | undefined;
}

export interface TickResult {
  transitions: Array<{ rule: string; fingerprint: string; transition: Transition }>;
  /** outcomes of the sends that ended within the notifier's wait (all are recorded in the history) */
  notifications: HistoryEvent[];
}

const IDENTITY = ['service', 'operation', 'source', 'destination'] as const;

export class AlertEvaluator {
  #instances: Map<string, StoredInstance> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #closed = false;

  constructor(private readonly deps: EvaluatorDeps) {}

  /** Evaluates now and then every interval, until close(). */
  start(): void {
    const loop = (): void => {
      if (this.#closed) return;
      this.#running = this.tick()
        .catch((err: unknown) =>
          this.deps.log?.error({ err }, 'alert evaluation failed; retrying next interval'),
        )
        .finally(() => {
          if (!this.#closed) this.#timer = setTimeout(loop, this.deps.intervalSec * 1000);
        });
    };
    loop();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#running;
    await this.deps.notifier.idle();
  }

  /** Current instances (pending, firing, resolved), as the last evaluation left them. */
  instances(): StoredInstance[] {
    return [...(this.#instances?.values() ?? [])];
  }

  async tick(): Promise<TickResult> {
    const nowMs = this.deps.now();
    if (!this.#instances) {
      this.#instances = new Map(
        (await this.deps.store.loadInstances()).map((s) => [key(s.rule, s.fingerprint), s]),
      );
      await this.deps.notifier.load();
    }
    const rules = await this.deps.rules.all();
    const reader = new SignalReader(this.deps.read, nowMs / 1000);
    const next = new Map<string, StoredInstance>();
    const history: HistoryEvent[] = [];
    const transitions: TickResult['transitions'] = [];
    for (const { rule } of rules) {
      for (const r of await this.#evaluate(rule, reader, nowMs)) {
        if (r.state) next.set(key(r.state.rule, r.state.fingerprint), r.state);
        for (const t of r.transitions) {
          transitions.push({ rule: rule.name, fingerprint: r.fingerprint, transition: t });
          history.push(transitionEvent(rule.name, r.fingerprint, t, r.state ?? r.prev, nowMs));
        }
      }
    }
    const forgotten = [...this.#instances.values()]
      .filter((s) => !next.has(key(s.rule, s.fingerprint)))
      .map(({ rule, fingerprint: fp }) => ({ rule, fingerprint: fp }));
    this.#instances = next;
    await this.deps.store.saveInstances([...next.values()], forgotten);
    await this.deps.store.appendHistory(history);

    const silences = await this.deps.store.listSilences(nowMs);
    const receiversOf = new Map(rules.map(({ rule }) => [rule.name, rule.receivers]));
    const alerts = [...next.values()]
      .filter((s) => s.status !== 'pending' && !isSilenced(silences, s.labels, nowMs))
      .map((s) => ({ ...notifyAlert(s), receivers: receiversOf.get(s.rule) }));
    const changed = transitions.some((t) => t.transition === 'firing' || t.transition === 'resolved');
    // recorded in the history by the notifier; a receiver that is slow to answer is not waited for
    const notifications = await this.deps.notifier.dispatch({ alerts, changed, nowMs });
    return { transitions, notifications };
  }

  async #evaluate(rule: AlertRule, reader: SignalReader, nowMs: number) {
    const matcher = compileScope(rule.scope);
    const subjects = new Map<string, Subject>();
    for (const { subject } of (await reader.stats(matcher.kind, primaryWindowSec(rule.signal))).values()) {
      if (inScope(matcher, subject)) subjects.set(subjectKey(matcher.kind, subject), subject);
    }
    for (const service of matcher.fixedServices) subjects.set(service, { service });
    const previous = [...(this.#instances?.values() ?? [])].filter((s) => s.rule === rule.name);
    for (const s of previous) {
      const subject = Object.fromEntries(
        IDENTITY.filter((k) => s.labels[k] !== undefined).map((k) => [k, s.labels[k] ?? '']),
      );
      if (inScope(matcher, subject)) subjects.set(subjectKey(matcher.kind, subject), subject);
    }
    const timing = {
      forMs: durationMs(rule.for),
      keepFiringForMs: durationMs(rule.keepFiringFor),
      noData: rule.noData,
    };
    const results = [];
    for (const subject of subjects.values()) {
      const identity = { alertname: rule.name, ...subject };
      const fp = fingerprint(identity);
      const prev = this.#instances?.get(key(rule.name, fp));
      const obs = await observe(rule, matcher.kind, subject, reader);
      const { state, transitions } = step(prev, obs, timing, nowMs);
      const vars = {
        rule: rule.name,
        service: '',
        operation: '',
        source: '',
        destination: '',
        ...subject,
        value: formatValue(state?.value ?? null),
        threshold: formatValue(state?.threshold ?? null),
      };
      const stored: StoredInstance | undefined = state && {
        ...state,
        rule: rule.name,
        fingerprint: fp,
        labels: { ...renderAll(rule.labels, vars), ...identity },
        annotations: renderAll(rule.annotations, vars),
      };
      results.push({ fingerprint: fp, state: stored, prev, transitions });
    }
    return results;
  }
}

const key = (rule: string, fp: string): string => `${rule}\u0000${fp}`;

function notifyAlert(s: StoredInstance): NotifyAlert {
  return {
    rule: s.rule,
    fingerprint: s.fingerprint,
    status: s.status === 'resolved' ? 'resolved' : 'firing',
    labels: s.labels,
    annotations: s.annotations,
    startsAtMs: s.activeAtMs,
    endsAtMs: s.status === 'resolved' ? (s.resolvedAtMs ?? s.lastEvalMs) : null,
    value: s.value,
    threshold: s.threshold,
  };
}

function transitionEvent(
  rule: string,
  fp: string,
  transition: Transition,
  state: StoredInstance | undefined,
  nowMs: number,
): HistoryEvent {
  return {
    timeMs: nowMs,
    rule,
    fingerprint: fp,
    event: transition,
    value: state?.value ?? null,
    threshold: state?.threshold ?? null,
    labels: state?.labels ?? {},
    receiver: '',
    message: '',
  };
}
