import type { QueryLimits } from '../config.js';

/**
 * Settings that bound every read: time and memory ceilings, and 64-bit integers always as JSON strings so
 * that embedded and server modes (whose defaults differ) return the same shapes.
 */
export function readSettings(limits: QueryLimits): string {
  return (
    `SETTINGS max_execution_time = ${Math.ceil(limits.maxExecutionTimeSec)}, ` +
    `max_memory_usage = ${Math.floor(limits.maxMemoryBytes)}, ` +
    `max_result_rows = ${Math.floor(limits.maxRowsToReturn)}, result_overflow_mode = 'break', ` +
    'output_format_json_quote_64bit_integers = 1'
  );
}

/** Collects named query parameters while a statement is assembled from fixed fragments. */
export class Params {
  readonly values: Record<string, unknown> = {};
  #n = 0;

  /** Registers a value and returns its `{pN:Type}` placeholder. */
  add(value: unknown, type: string): string {
    const name = `p${this.#n++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }
}
