import { LATENCY_BOUNDS_MS } from '../schema/tables.js';
import type { Latency, Window } from './read-api.js';
import type { Params } from './sql.js';

/**
 * What the read modules beside ReadApi need from it: a bounded, parameterised statement runner (it appends
 * the execution-time, memory and result-size settings) and table naming.
 */
export interface ReadContext {
  rows<T>(sql: string, params: Params): Promise<T[]>;
  table(name: string): string;
  /** take whole hours of a window from the hourly rollups (false: per-minute rollups only) */
  hourRollups: boolean;
}

const HOUR = 3600;
const MINUTE = 60;

/** A pair of rollup tables with the same columns and states, per minute and cascaded per hour. */
export interface Rollup {
  minute: string;
  hour: string;
  /** the columns a read selects from either table, besides the time column */
  columns: readonly string[];
}

export interface RollupWindow extends Window {
  /** bucket width; omit for one bucket over the whole window */
  stepSec?: number;
}

/**
 * The rows of a rollup inside a window, as a parenthesised subquery with the bucket time as `Time`: whole
 * hours from the hourly table, the ragged minutes before the first and after the last whole hour from the
 * per-minute table (a window under an hour, or not containing a whole hour, reads minutes only). The rows
 * are the same states the per-minute table alone would give, pre-merged per hour, so any GROUP BY over them
 * returns the same counts and, within t-digest accuracy, the same quantiles from up to 60 times fewer
 * rows. Hours are used only when no bucket boundary can cut one: no step, or a step of whole hours;
 * per-minute points always come from the minute table. `filters` (on the tables' columns, not on `Time`)
 * are applied in both branches, so each table's primary key and parts pruning see them.
 */
export function rollupRows(
  ctx: Pick<ReadContext, 'table' | 'hourRollups'>,
  rollup: Rollup,
  query: RollupWindow,
  filters: readonly string[],
  p: Params,
): string {
  if (!(query.endSec > query.startSec)) throw new RangeError('window end must be after its start');
  const startSec = Math.floor(query.startSec);
  const endSec = Math.ceil(query.endSec);
  // The minutes a minute-only read takes are those in [startSec, endSec); the hours below hold only such.
  const firstHour = Math.ceil(Math.ceil(startSec / MINUTE) / (HOUR / MINUTE)) * HOUR;
  const lastHourEnd = Math.floor(Math.ceil(endSec / MINUTE) / (HOUR / MINUTE)) * HOUR;
  const step = query.stepSec ? Math.max(MINUTE, Math.floor(query.stepSec)) : undefined;
  const hours = ctx.hourRollups && lastHourEnd > firstHour && (step === undefined || step % HOUR === 0);
  const cols = rollup.columns.join(', ');
  const extra = filters.map((f) => ` AND ${f}`).join('');
  const start = p.add(startSec, 'UInt32');
  const end = p.add(endSec, 'UInt32');
  const minuteWindow = `Minute >= toDateTime(${start}, 'UTC') AND Minute < toDateTime(${end}, 'UTC')`;
  if (!hours)
    return `(SELECT Minute AS Time, ${cols} FROM ${ctx.table(rollup.minute)} WHERE ${minuteWindow}${extra})`;
  const from = p.add(firstHour, 'UInt32');
  const to = p.add(lastHourEnd, 'UInt32');
  const ragged = `(Minute < toDateTime(${from}, 'UTC') OR Minute >= toDateTime(${to}, 'UTC'))`;
  return `(SELECT Minute AS Time, ${cols} FROM ${ctx.table(rollup.minute)}
      WHERE ${minuteWindow} AND ${ragged}${extra}
    UNION ALL
    SELECT Hour AS Time, ${cols} FROM ${ctx.table(rollup.hour)}
      WHERE Hour >= toDateTime(${from}, 'UTC') AND Hour < toDateTime(${to}, 'UTC')${extra})`;
}

/** Bucket start of a row: the window start without a step, else multiples of the step (at least 60 s). */
export function timeBucket(query: RollupWindow, timeCol: string, p: Params): string {
  if (!query.stepSec) return `toUInt32(${p.add(Math.floor(query.startSec), 'UInt32')})`;
  const step = p.add(Math.max(MINUTE, Math.floor(query.stepSec)), 'UInt32');
  return `toUInt32(intDiv(toUnixTimestamp(${timeCol}), ${step}) * ${step})`;
}

/** Quantiles only when there were requests; buckets always LATENCY_BOUNDS_MS + 1 long. */
export function latencyOf(requests: number, quantiles: unknown[], buckets: unknown[]): Latency {
  return {
    quantilesMs: requests > 0 ? quantiles.map(Number) : [],
    bucketsLe: buckets.length ? buckets.map(Number) : new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0),
  };
}
