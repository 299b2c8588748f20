import { describe, expect, it } from 'vitest';
import { retentionSchema } from '../../src/storage/config.js';
import type { SchemaContext } from '../../src/storage/schema/ddl.js';
import { MIGRATIONS } from '../../src/storage/schema/migrations.js';

const retention = retentionSchema.parse({ rollupHourDays: 60 });
const single: SchemaContext = { database: 'meshscope', retention };
const cluster: SchemaContext = { database: 'meshscope', cluster: 'mesh', retention };
const alerting = (ctx: SchemaContext) => {
  const m = MIGRATIONS.find((x) => x.name.startsWith('alerting'));
  if (!m) throw new Error('no alerting migration');
  return { version: m.version, statements: m.statements(ctx) };
};
const find = (statements: string[], prefix: string) => statements.find((s) => s.startsWith(prefix));

describe('alerting tables', () => {
  it('come as the newest migration, after every existing one', () => {
    expect(alerting(single).version).toBe(Math.max(...MIGRATIONS.map((m) => m.version)));
  });

  it('keep mutable state in ReplacingMergeTree versioned by Version on a single node', () => {
    const { statements } = alerting(single);
    for (const name of ['rules', 'state', 'silences', 'groups']) {
      const s = find(statements, `CREATE TABLE IF NOT EXISTS \`meshscope\`.\`meshscope_alert_${name}\``);
      expect(s).toContain('ENGINE = ReplacingMergeTree(Version)');
    }
    const history = find(statements, 'CREATE TABLE IF NOT EXISTS `meshscope`.`meshscope_alert_history`');
    expect(history).toContain('ENGINE = MergeTree()');
    expect(history).toContain('TTL toDateTime(Time) + toIntervalDay(60)');
  });

  it('render replicated local tables with their version column, behind Distributed tables by key', () => {
    const { statements } = alerting(cluster);
    const state = find(statements, 'CREATE TABLE IF NOT EXISTS `meshscope`.`meshscope_alert_state_local`');
    expect(state).toContain('ON CLUSTER `mesh`');
    expect(state).toContain(
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/meshscope/meshscope_alert_state_local', '{replica}', Version)",
    );
    expect(find(statements, 'CREATE TABLE IF NOT EXISTS `meshscope`.`meshscope_alert_state` ')).toBe(
      'CREATE TABLE IF NOT EXISTS `meshscope`.`meshscope_alert_state` ON CLUSTER `mesh` AS `meshscope`.`meshscope_alert_state_local`\n' +
        'ENGINE = Distributed(`mesh`, `meshscope`, `meshscope_alert_state_local`, cityHash64(Rule))',
    );
    const locals = statements.filter((s) => /`meshscope_alert_\w+_local` ON CLUSTER/.test(s)).length;
    const dists = statements.filter((s) => s.includes('ENGINE = Distributed(')).length;
    expect(locals).toBe(5);
    expect(dists).toBe(5);
  });
});
