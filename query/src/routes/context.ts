import type { ReadApi } from '@meshscope/collector';
import { z } from 'zod';
import type { QueryConfig } from '../config.js';
import type { HealthPolicy } from '../health/health.js';
import { rateWindowSec, type DataStart } from '../mesh/data-start.js';
import { resolveWindow, type TimeWindow } from '../mesh/window.js';

/** What every route plugin gets: the (timed) read API, the configuration, compiled health rules, a clock. */
export interface RouteContext {
  read: ReadApi;
  config: QueryConfig;
  policy: HealthPolicy;
  nowMs: () => number;
  /** when stored traffic begins (cached), for rates over windows reaching back before it */
  dataStart: DataStart;
}

/** A mesh request's window: its startSec/endSec, defaults and the maximum span applied. */
export function meshWindow(
  ctx: RouteContext,
  query: { startSec?: number | undefined; endSec?: number | undefined },
): TimeWindow {
  return resolveWindow(query, {
    nowSec: ctx.nowMs() / 1000,
    defaultLookbackSec: ctx.config.defaultLookbackSec,
    maxWindowSec: ctx.config.limits.maxWindowSec,
  });
}

/** Seconds the rates of a whole-window answer divide by (see mesh/data-start.ts). */
export async function rateSeconds(ctx: RouteContext, window: TimeWindow): Promise<number> {
  return rateWindowSec(window, await ctx.dataStart.get());
}

/**
 * A Jaeger query parameter as the query string gives it: absent, once, or repeated. Jaeger's handlers read
 * repeated parameters where they mean to (`traceID`, `tag`, `service` of the metrics) and the first value
 * elsewhere, so validation here only bounds the size; the parsers say what is wrong.
 */
export const jaegerParam = z
  .union([z.string().max(65_536), z.array(z.string().max(65_536)).max(1_000)])
  .optional();
export type JaegerParam = z.infer<typeof jaegerParam>;

export function allValues(param: JaegerParam): string[] {
  return param === undefined ? [] : Array.isArray(param) ? param : [param];
}

export function firstValue(param: JaegerParam): string | undefined {
  return allValues(param)[0];
}

/** Span rows grouped by trace, in the order of `ids` (unknown ids left out). */
export function rowsInOrder<T extends { TraceId: string }>(
  ids: readonly string[],
  rows: readonly T[],
): T[][] {
  const byTrace = new Map<string, T[]>();
  for (const row of rows) {
    const list = byTrace.get(row.TraceId);
    if (list) list.push(row);
    else byTrace.set(row.TraceId, [row]);
  }
  return ids.flatMap((id) => {
    const list = byTrace.get(id);
    return list ? [list] : [];
  });
}
