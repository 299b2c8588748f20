import {
  alertGroupsTable,
  alertHistoryTable,
  alertRulesTable,
  alertSilencesTable,
  alertStateTable,
} from './alert-tables.js';
import { createTable, createView, type SchemaContext } from './ddl.js';
import { traceIdProjectionStatements } from './projections.js';
import {
  edgeInputTable,
  edges1hTable,
  edges1hView,
  edges1mTable,
  edges1mView,
  metricsGaugeTable,
  metricsHistogramTable,
  metricsSumTable,
  operationsTable,
  operationsView,
  red1hTable,
  red1hView,
  red1mTable,
  red1mView,
  traceIdTsTable,
  traceIdTsView,
  tracesTable,
} from './tables.js';

/**
 * A schema version. Statements must be safe to run again (IF NOT EXISTS), because a migration interrupted
 * half-way is re-run from its first statement at the next start. A shape change is always a new migration
 * (ALTER …), never an edit of an old one.
 */
export interface Migration {
  version: number;
  name: string;
  statements(ctx: SchemaContext): string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'traces, trace-id lookup, operations catalog',
    statements: (ctx) => [
      ...createTable(ctx, tracesTable(ctx)),
      ...createTable(ctx, traceIdTsTable(ctx)),
      createView(ctx, traceIdTsView),
      ...createTable(ctx, operationsTable(ctx)),
      createView(ctx, operationsView),
    ],
  },
  {
    version: 2,
    name: 'request metrics (otel_metrics_sum, _gauge, _histogram)',
    statements: (ctx) => [
      ...createTable(ctx, metricsSumTable(ctx)),
      ...createTable(ctx, metricsGaugeTable(ctx)),
      ...createTable(ctx, metricsHistogramTable(ctx)),
    ],
  },
  {
    version: 3,
    name: 'RED and edge rollups, per minute and per hour',
    statements: (ctx) => [
      ...createTable(ctx, red1mTable(ctx)),
      ...createTable(ctx, red1hTable(ctx)),
      // Target before view: a view must never exist without the table it writes to.
      createView(ctx, red1hView),
      createView(ctx, red1mView),
      ...createTable(ctx, edges1mTable(ctx)),
      ...createTable(ctx, edges1hTable(ctx)),
      createView(ctx, edges1hView),
      ...createTable(ctx, edgeInputTable()),
      createView(ctx, edges1mView),
    ],
  },
  {
    version: 4,
    name: 'otel_traces projection ordered by TraceId (trace fetches read one small granule per trace)',
    statements: (ctx) => traceIdProjectionStatements(ctx),
  },
  {
    version: 5,
    name: 'alerting: rules, instance state, history, silences, notification groups',
    statements: (ctx) => [
      ...createTable(ctx, alertRulesTable()),
      ...createTable(ctx, alertStateTable()),
      ...createTable(ctx, alertHistoryTable(ctx)),
      ...createTable(ctx, alertSilencesTable()),
      ...createTable(ctx, alertGroupsTable()),
    ],
  },
];

export const LATEST_SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));
