import type { SpanRow } from '@meshscope/collector';
import { sortedEntries } from './attribute-values.js';

/**
 * What Jaeger's query service does to a trace before any conversion, shared by the v1 and api_v3 outputs:
 * group spans by trace (in the order traces are first seen) and drop rows that are exact copies of an
 * earlier row (`DeduplicateSpans`; a retried insert stores a span twice). Spans that only share an id are
 * kept and flagged by the converters.
 */
export function groupRowsByTrace(rows: readonly SpanRow[]): SpanRow[][] {
  const traces = new Map<string, SpanRow[]>();
  // Rows already kept, by trace and span id: only a repeated id needs the costly content comparison.
  const keptById = new Map<string, SpanRow[]>();
  for (const row of rows) {
    const id = `${row.TraceId}/${row.SpanId}`;
    const sameId = keptById.get(id);
    if (sameId === undefined) {
      keptById.set(id, [row]);
    } else {
      const identity = canonicalRow(row);
      if (sameId.some((kept) => canonicalRow(kept) === identity)) continue;
      sameId.push(row);
    }
    let trace = traces.get(row.TraceId);
    if (trace === undefined) {
      trace = [];
      traces.set(row.TraceId, trace);
    }
    trace.push(row);
  }
  return [...traces.values()];
}

/** A row's content with map keys sorted, so two copies read back in different key order still match. */
function canonicalRow(row: SpanRow): string {
  return JSON.stringify([
    row.Timestamp,
    row.TraceId,
    row.SpanId,
    row.ParentSpanId,
    row.TraceState,
    row.SpanName,
    row.SpanKind,
    row.ServiceName,
    sortedEntries(row.ResourceAttributes),
    row.ScopeName,
    row.ScopeVersion,
    sortedEntries(row.SpanAttributes),
    row.Duration,
    row.StatusCode,
    row.StatusMessage,
    row['Events.Timestamp'],
    row['Events.Name'],
    row['Events.Attributes'].map(sortedEntries),
    row['Links.TraceId'],
    row['Links.SpanId'],
    row['Links.TraceState'],
    row['Links.Attributes'].map(sortedEntries),
  ]);
}

/** Events of a row in time order (Jaeger's `SortCollections`; stable for equal times). */
export function eventsInTimeOrder(
  row: SpanRow,
): { timeNs: string; name: string; attributes: Record<string, string> }[] {
  const events = row['Events.Timestamp'].map((timeNs, i) => ({
    timeNs,
    name: row['Events.Name'][i] ?? '',
    attributes: row['Events.Attributes'][i] ?? {},
  }));
  return events.sort((a, b) => compareNsText(a.timeNs, b.timeNs));
}

/** Links of a row, the four Nested columns zipped. */
export function linksOf(
  row: SpanRow,
): { traceId: string; spanId: string; traceState: string; attributes: Record<string, string> }[] {
  return row['Links.TraceId'].map((traceId, i) => ({
    traceId,
    spanId: row['Links.SpanId'][i] ?? '',
    traceState: row['Links.TraceState'][i] ?? '',
    attributes: row['Links.Attributes'][i] ?? {},
  }));
}

/** Compare unix-ns decimal strings numerically without parsing them into floats. */
export function compareNsText(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
