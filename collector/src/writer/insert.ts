import { Readable } from 'node:stream';
import { ClickHouseError } from '@clickhouse/client';
import type { StorageClient } from '../storage/client.js';
import { SPAN_COLUMNS, type SpanRow } from '../storage/rows.js';
import { Tables } from '../storage/schema/tables.js';

/** Rows for one table, as plain objects keyed by column name. */
export interface TableRows {
  /** Logical table name (one of `Tables`). */
  table: string;
  rows: readonly object[];
}

const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * One INSERT of a batch with a deduplication token, so that the same batch inserted again (a spool replay
 * after an insert whose answer was lost) is stored once, in the table and in its materialized views.
 */
export async function insertBatch(storage: StorageClient, batch: TableRows, token: string): Promise<void> {
  if (batch.rows.length === 0) return;
  if (!TOKEN.test(token)) throw new Error(`invalid deduplication token ${JSON.stringify(token)}`);
  const { columns, format, body } = encodeRows(batch);
  const result = await storage.client.exec({
    query:
      `INSERT INTO ${storage.table(batch.table)} (${columns}) ` +
      `SETTINGS insert_deduplication_token = '${token}', deduplicate_blocks_in_dependent_materialized_views = 1 ` +
      `FORMAT ${format}`,
    values: Readable.from([body]),
  });
  // Read the (empty) answer to its end: destroying a compressed response stream early makes the client log
  // a decompression error for every insert in server mode.
  for await (const _ of result.stream) void _;
}

const quoteColumns = (names: readonly string[]) =>
  names.map((c) => `\`${c.replaceAll('`', '')}\``).join(', ');
const SPAN_COLUMN_LIST = quoteColumns(SPAN_COLUMNS);

/**
 * Span rows, the hot table, go as JSONCompactEachRow (one array per row, in SPAN_COLUMNS order): no key
 * names to write or for ClickHouse to match, measured about 20 % less ClickHouse CPU per span than
 * JSONEachRow and no more JavaScript time (docs/adr/0008-collector-throughput.md). Other tables, written far
 * less, keep JSONEachRow with the columns of their first row.
 */
function encodeRows(batch: TableRows): { columns: string; format: string; body: string } {
  if (batch.table === Tables.traces) {
    const rows = batch.rows as readonly SpanRow[];
    return {
      columns: SPAN_COLUMN_LIST,
      format: 'JSONCompactEachRow',
      body: rows.map(spanRowJson).join('\n'),
    };
  }
  const first = batch.rows[0] as Record<string, unknown>;
  return {
    columns: quoteColumns(Object.keys(first)),
    format: 'JSONEachRow',
    body: batch.rows.map((r) => JSON.stringify(r)).join('\n'),
  };
}

/** One span row as a JSON array in SPAN_COLUMNS order (property reads spelled out: V8 keeps them fast). */
export function spanRowJson(r: SpanRow): string {
  return JSON.stringify([
    r.Timestamp,
    r.TraceId,
    r.SpanId,
    r.ParentSpanId,
    r.TraceState,
    r.SpanName,
    r.SpanKind,
    r.ServiceName,
    r.ResourceAttributes,
    r.ScopeName,
    r.ScopeVersion,
    r.SpanAttributes,
    r.Duration,
    r.StatusCode,
    r.StatusMessage,
    r['Events.Timestamp'],
    r['Events.Name'],
    r['Events.Attributes'],
    r['Links.TraceId'],
    r['Links.SpanId'],
    r['Links.TraceState'],
    r['Links.Attributes'],
  ]);
}

/** ClickHouse error codes that mean the batch itself is bad: retrying it can never succeed. */
const NON_RETRYABLE_CODES = new Set([
  '6', // CANNOT_PARSE_TEXT
  '16', // NO_SUCH_COLUMN_IN_TABLE
  '26', // CANNOT_PARSE_QUOTED_STRING
  '27', // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  '38', // CANNOT_PARSE_DATE
  '41', // CANNOT_PARSE_DATETIME
  '53', // TYPE_MISMATCH
  '62', // SYNTAX_ERROR
  '69', // ARGUMENT_OUT_OF_BOUND
  '70', // CANNOT_CONVERT_TYPE
  '72', // CANNOT_PARSE_NUMBER
  '117', // INCORRECT_DATA
  '131', // TOO_LARGE_STRING_SIZE
  '321', // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
]);

/**
 * Whether a failed insert may succeed later (store down, overloaded, too many parts) as opposed to a batch
 * ClickHouse will never accept. Only retryable failures go to the spool; anything else would block it.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof ClickHouseError) return !NON_RETRYABLE_CODES.has(err.code);
  const message = err instanceof Error ? err.message : String(err);
  // Parse errors from chDB arrive as plain errors with the ClickHouse text; match the same families.
  return !/Cannot parse|CANNOT_PARSE|TYPE_MISMATCH|INCORRECT_DATA|SYNTAX_ERROR|NO_SUCH_COLUMN/.test(message);
}
