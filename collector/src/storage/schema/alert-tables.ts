import type { SchemaContext, TableSpec } from './ddl.js';
import { Tables } from './tables.js';

/**
 * What the query service's alert evaluator keeps: rules created through the API, the state of every alert
 * instance, the history of transitions and notification outcomes, silences, and the notification groups
 * (when each receiver last heard about each group). Mutable things are ReplacingMergeTree rows versioned by
 * `Version` and read with FINAL; a row with `Deleted = 1` is a tombstone. Every table is sharded by its
 * key, so FINAL on a cluster sees all versions of a key on one shard.
 */

const STRMAP = 'Map(String, String)';

export function alertRulesTable(): TableSpec {
  return {
    name: Tables.alertRules,
    columns: [
      'Name String',
      /** the rule as JSON (the query service's alert rule schema) */
      'Spec String',
      'Deleted UInt8',
      "UpdatedAt DateTime64(3, 'UTC')",
      'Version UInt64',
    ],
    engine: 'ReplacingMergeTree',
    engineArgs: 'Version',
    orderBy: '(Name)',
    shardingKey: 'cityHash64(Name)',
  };
}

export function alertStateTable(): TableSpec {
  return {
    name: Tables.alertState,
    columns: [
      'Rule String',
      'Fingerprint String',
      /** pending | firing | resolved */
      'Status LowCardinality(String)',
      /** unix ms; 0 = never */
      'ActiveAtMs UInt64',
      'FiredAtMs UInt64',
      'ResolvedAtMs UInt64',
      'KeepFiringSinceMs UInt64',
      'LastEvalMs UInt64',
      'Value Nullable(Float64)',
      'Threshold Nullable(Float64)',
      `Labels ${STRMAP}`,
      `Annotations ${STRMAP}`,
      'Deleted UInt8',
      'Version UInt64',
    ],
    engine: 'ReplacingMergeTree',
    engineArgs: 'Version',
    orderBy: '(Rule, Fingerprint)',
    shardingKey: 'cityHash64(Rule)',
  };
}

export function alertHistoryTable(ctx: SchemaContext): TableSpec {
  return {
    name: Tables.alertHistory,
    columns: [
      "Time DateTime64(3, 'UTC')",
      'Rule String',
      'Fingerprint String',
      /** pending | firing | resolved | dropped | notified | notify_failed */
      'Event LowCardinality(String)',
      'Value Nullable(Float64)',
      'Threshold Nullable(Float64)',
      `Labels ${STRMAP}`,
      /** receiver name for notification events, else '' */
      'Receiver String',
      'Message String',
    ],
    engine: 'MergeTree',
    partitionBy: 'toYYYYMM(Time)',
    orderBy: '(Rule, Time)',
    ttl: `toDateTime(Time) + toIntervalDay(${ctx.retention.rollupHourDays})`,
    shardingKey: 'cityHash64(Rule)',
  };
}

export function alertSilencesTable(): TableSpec {
  return {
    name: Tables.alertSilences,
    columns: [
      'Id String',
      /** JSON array of {name, value, isRegex, isEqual} (Alertmanager's matcher fields) */
      'Matchers String',
      "StartsAt DateTime64(3, 'UTC')",
      "EndsAt DateTime64(3, 'UTC')",
      'CreatedBy String',
      'Comment String',
      'Deleted UInt8',
      'Version UInt64',
    ],
    engine: 'ReplacingMergeTree',
    engineArgs: 'Version',
    orderBy: '(Id)',
    shardingKey: 'cityHash64(Id)',
  };
}

export function alertGroupsTable(): TableSpec {
  return {
    name: Tables.alertGroups,
    columns: [
      'Receiver String',
      'GroupKey String',
      'FirstAtMs UInt64',
      'LastSentAtMs UInt64',
      /** fingerprint:status of every alert in the last notification */
      'LastSent Array(String)',
      'Deleted UInt8',
      'Version UInt64',
    ],
    engine: 'ReplacingMergeTree',
    engineArgs: 'Version',
    orderBy: '(Receiver, GroupKey)',
    shardingKey: 'cityHash64(Receiver, GroupKey)',
  };
}
