import { Tables, type StorageClient } from '@meshscope/collector';
import type { AlertRule, HistoryEvent, Matcher, Silence } from '../api/alerts.js';
import { parseRule } from './rules.js';
import type { InstanceState, InstanceStatus } from './state-machine.js';

/**
 * The alerting tables of ClickHouse (collector migration 5): rules created through the API, instance state,
 * history, silences and notification groups. Mutable rows are versioned (ReplacingMergeTree, read FINAL);
 * a deletion is a tombstone row. Every statement is parameterised.
 */

export interface StoredInstance extends InstanceState {
  rule: string;
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface GroupState {
  receiver: string;
  groupKey: string;
  firstAtMs: number;
  lastSentAtMs: number;
  /** `fingerprint:status` of every alert of the last notification */
  lastSent: string[];
}

export interface HistoryQuery {
  startMs: number;
  endMs: number;
  rule?: string;
  fingerprint?: string;
  limit: number;
}

const SETTINGS = { max_execution_time: 20 } as const;
let lastVersion = 0;
/** Versions grow within a process even when the clock does not (several writes in one millisecond). */
const nextVersion = (): number => (lastVersion = Math.max(lastVersion + 1, Date.now() * 1000));
/** DateTime64(3) takes whole milliseconds (ticks) from JSON numbers. */
const ticks = (ms: number): number => Math.round(ms);
const zeroToNull = (n: unknown): number | null => (Number(n) > 0 ? Number(n) : null);
const nullable = (n: unknown): number | null => (n === null || n === undefined ? null : Number(n));

export class AlertStore {
  constructor(private readonly storage: StorageClient) {}

  async #rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
    const rs = await this.storage.client.query({
      query,
      query_params: params,
      format: 'JSONEachRow',
      clickhouse_settings: SETTINGS,
    });
    return rs.json<T>();
  }

  async #insert(table: string, values: readonly object[]): Promise<void> {
    if (values.length === 0) return;
    await this.storage.client.insert({
      table: this.storage.table(table),
      values: [...values],
      format: 'JSONEachRow',
      // identical rows written twice (a re-sent state) must both land; versions decide which one counts
      clickhouse_settings: { insert_deduplicate: 0 },
    });
  }

  // ------------------------------------------------------------------------------------------ rules

  async listRules(): Promise<AlertRule[]> {
    const rows = await this.#rows<{ Spec: string }>(
      `SELECT Spec FROM ${this.storage.table(Tables.alertRules)} FINAL WHERE Deleted = 0 ORDER BY Name LIMIT 10000`,
    );
    return rows.map((r) => parseRule(JSON.parse(r.Spec)));
  }

  async putRule(rule: AlertRule, nowMs: number): Promise<void> {
    await this.#insert(Tables.alertRules, [
      {
        Name: rule.name,
        Spec: JSON.stringify(rule),
        Deleted: 0,
        UpdatedAt: ticks(nowMs),
        Version: nextVersion(),
      },
    ]);
  }

  async deleteRule(name: string, nowMs: number): Promise<void> {
    await this.#insert(Tables.alertRules, [
      { Name: name, Spec: '', Deleted: 1, UpdatedAt: ticks(nowMs), Version: nextVersion() },
    ]);
  }

  // ------------------------------------------------------------------------------------------ state

  async loadInstances(): Promise<StoredInstance[]> {
    const rows = await this.#rows<Record<string, unknown>>(
      `SELECT Rule, Fingerprint, Status, ActiveAtMs, FiredAtMs, ResolvedAtMs, KeepFiringSinceMs, LastEvalMs,
              Value, Threshold, Labels, Annotations
       FROM ${this.storage.table(Tables.alertState)} FINAL WHERE Deleted = 0
       ORDER BY Rule, Fingerprint LIMIT 100000`,
    );
    return rows.map((r) => ({
      rule: String(r.Rule),
      fingerprint: String(r.Fingerprint),
      status: String(r.Status) as InstanceStatus,
      activeAtMs: Number(r.ActiveAtMs),
      firedAtMs: zeroToNull(r.FiredAtMs),
      resolvedAtMs: zeroToNull(r.ResolvedAtMs),
      keepFiringSinceMs: zeroToNull(r.KeepFiringSinceMs),
      lastEvalMs: Number(r.LastEvalMs),
      value: nullable(r.Value),
      threshold: nullable(r.Threshold),
      labels: r.Labels as Record<string, string>,
      annotations: r.Annotations as Record<string, string>,
    }));
  }

  /** Writes live instances and tombstones for forgotten ones (rule, fingerprint). */
  async saveInstances(
    live: readonly StoredInstance[],
    forgotten: ReadonlyArray<{ rule: string; fingerprint: string }>,
  ): Promise<void> {
    const version = nextVersion();
    const empty = {
      Status: '',
      ActiveAtMs: 0,
      FiredAtMs: 0,
      ResolvedAtMs: 0,
      KeepFiringSinceMs: 0,
      LastEvalMs: 0,
      Value: null,
      Threshold: null,
      Labels: {},
      Annotations: {},
    };
    await this.#insert(Tables.alertState, [
      ...live.map((s) => ({
        Rule: s.rule,
        Fingerprint: s.fingerprint,
        Status: s.status,
        ActiveAtMs: s.activeAtMs,
        FiredAtMs: s.firedAtMs ?? 0,
        ResolvedAtMs: s.resolvedAtMs ?? 0,
        KeepFiringSinceMs: s.keepFiringSinceMs ?? 0,
        LastEvalMs: s.lastEvalMs,
        Value: finiteOrNull(s.value),
        Threshold: finiteOrNull(s.threshold),
        Labels: s.labels,
        Annotations: s.annotations,
        Deleted: 0,
        Version: version,
      })),
      ...forgotten.map((f) => ({
        ...empty,
        Rule: f.rule,
        Fingerprint: f.fingerprint,
        Deleted: 1,
        Version: version,
      })),
    ]);
  }

  // ---------------------------------------------------------------------------------------- history

  async appendHistory(events: readonly HistoryEvent[]): Promise<void> {
    await this.#insert(
      Tables.alertHistory,
      events.map((e) => ({
        Time: ticks(e.timeMs),
        Rule: e.rule,
        Fingerprint: e.fingerprint,
        Event: e.event,
        Value: finiteOrNull(e.value),
        Threshold: finiteOrNull(e.threshold),
        Labels: e.labels,
        Receiver: e.receiver,
        Message: e.message,
      })),
    );
  }

  async history(q: HistoryQuery): Promise<HistoryEvent[]> {
    const where = [
      'Time >= fromUnixTimestamp64Milli({start:Int64})',
      'Time < fromUnixTimestamp64Milli({end:Int64})',
    ];
    if (q.rule !== undefined) where.push('Rule = {rule:String}');
    if (q.fingerprint !== undefined) where.push('Fingerprint = {fp:String}');
    const rows = await this.#rows<Record<string, unknown>>(
      `SELECT toUnixTimestamp64Milli(Time) AS t, Rule, Fingerprint, Event, Value, Threshold, Labels, Receiver, Message
       FROM ${this.storage.table(Tables.alertHistory)}
       WHERE ${where.join(' AND ')}
       ORDER BY Time DESC, Rule, Fingerprint LIMIT {limit:UInt32}`,
      { start: q.startMs, end: q.endMs, rule: q.rule ?? '', fp: q.fingerprint ?? '', limit: q.limit },
    );
    return rows.map((r) => ({
      timeMs: Number(r.t),
      rule: String(r.Rule),
      fingerprint: String(r.Fingerprint),
      event: String(r.Event) as HistoryEvent['event'],
      value: nullable(r.Value),
      threshold: nullable(r.Threshold),
      labels: r.Labels as Record<string, string>,
      receiver: String(r.Receiver),
      message: String(r.Message),
    }));
  }

  // --------------------------------------------------------------------------------------- silences

  async listSilences(nowMs: number): Promise<Silence[]> {
    const rows = await this.#rows<Record<string, unknown>>(
      `SELECT Id, Matchers, toUnixTimestamp64Milli(StartsAt) AS s, toUnixTimestamp64Milli(EndsAt) AS e,
              CreatedBy, Comment
       FROM ${this.storage.table(Tables.alertSilences)} FINAL WHERE Deleted = 0
       ORDER BY EndsAt DESC LIMIT 10000`,
    );
    return rows.map((r) => {
      const startsAtMs = Number(r.s);
      const endsAtMs = Number(r.e);
      return {
        id: String(r.Id),
        matchers: JSON.parse(String(r.Matchers)) as Matcher[],
        startsAtMs,
        endsAtMs,
        createdBy: String(r.CreatedBy),
        comment: String(r.Comment),
        status: nowMs < startsAtMs ? 'pending' : nowMs < endsAtMs ? 'active' : 'expired',
      };
    });
  }

  async putSilence(s: Omit<Silence, 'status'>): Promise<void> {
    await this.#insert(Tables.alertSilences, [
      {
        Id: s.id,
        Matchers: JSON.stringify(s.matchers),
        StartsAt: ticks(s.startsAtMs),
        EndsAt: ticks(s.endsAtMs),
        CreatedBy: s.createdBy,
        Comment: s.comment,
        Deleted: 0,
        Version: nextVersion(),
      },
    ]);
  }

  // ----------------------------------------------------------------------------------------- groups

  async loadGroups(): Promise<GroupState[]> {
    const rows = await this.#rows<Record<string, unknown>>(
      `SELECT Receiver, GroupKey, FirstAtMs, LastSentAtMs, LastSent
       FROM ${this.storage.table(Tables.alertGroups)} FINAL WHERE Deleted = 0 LIMIT 100000`,
    );
    return rows.map((r) => ({
      receiver: String(r.Receiver),
      groupKey: String(r.GroupKey),
      firstAtMs: Number(r.FirstAtMs),
      lastSentAtMs: Number(r.LastSentAtMs),
      lastSent: (r.LastSent as string[]).map(String),
    }));
  }

  async saveGroups(
    live: readonly GroupState[],
    gone: ReadonlyArray<{ receiver: string; groupKey: string }>,
  ): Promise<void> {
    const version = nextVersion();
    await this.#insert(Tables.alertGroups, [
      ...live.map((g) => ({
        Receiver: g.receiver,
        GroupKey: g.groupKey,
        FirstAtMs: g.firstAtMs,
        LastSentAtMs: g.lastSentAtMs,
        LastSent: g.lastSent,
        Deleted: 0,
        Version: version,
      })),
      ...gone.map((g) => ({
        Receiver: g.receiver,
        GroupKey: g.groupKey,
        FirstAtMs: 0,
        LastSentAtMs: 0,
        LastSent: [],
        Deleted: 1,
        Version: version,
      })),
    ]);
  }
}

function finiteOrNull(n: number | null): number | null {
  return n !== null && Number.isFinite(n) ? n : null;
}
