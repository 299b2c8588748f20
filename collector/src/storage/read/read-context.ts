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
}

const HOUR = 3600;

/** Hourly rollups for long windows with hour-aligned buckets; per-minute rollups otherwise. */
export function rollupFor(
  query: Window & { stepSec?: number },
  minute: string,
  hour: string,
): { table: string; timeCol: 'Minute' | 'Hour' } {
  const span = query.endSec - query.startSec;
  const step = query.stepSec ?? span;
  const hourly = span > 6 * HOUR && step % HOUR === 0 && query.startSec % HOUR === 0;
  return hourly ? { table: hour, timeCol: 'Hour' } : { table: minute, timeCol: 'Minute' };
}

/** Bucket start of a row: the window start without a step, else multiples of the step (at least 60 s). */
export function timeBucket(query: Window & { stepSec?: number }, timeCol: string, p: Params): string {
  if (!query.stepSec) return `toUInt32(${p.add(Math.floor(query.startSec), 'UInt32')})`;
  const step = p.add(Math.max(60, Math.floor(query.stepSec)), 'UInt32');
  return `toUInt32(intDiv(toUnixTimestamp(${timeCol}), ${step}) * ${step})`;
}

export function windowWhere(query: Window, timeCol: string, p: Params): string[] {
  if (!(query.endSec > query.startSec)) throw new RangeError('window end must be after its start');
  return [
    `${timeCol} >= toDateTime(${p.add(Math.floor(query.startSec), 'UInt32')}, 'UTC')`,
    `${timeCol} < toDateTime(${p.add(Math.ceil(query.endSec), 'UInt32')}, 'UTC')`,
  ];
}

/** Quantiles only when there were requests; buckets always LATENCY_BOUNDS_MS + 1 long. */
export function latencyOf(requests: number, quantiles: unknown[], buckets: unknown[]): Latency {
  return {
    quantilesMs: requests > 0 ? quantiles.map(Number) : [],
    bucketsLe: buckets.length ? buckets.map(Number) : new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0),
  };
}
