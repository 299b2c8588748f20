import type { SpanRow } from '../rows.js';

/** SELECT list that reads otel_traces back into SpanRow shape (ns timestamps as exact strings). */
export const SPAN_SELECT = `toString(toUnixTimestamp64Nano(Timestamp)) AS TimestampNs, TraceId, SpanId, ParentSpanId,
  TraceState, SpanName, SpanKind, ServiceName, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes,
  Duration, StatusCode, StatusMessage,
  arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS EventsTimestampNs,
  Events.Name AS \`Events.Name\`, Events.Attributes AS \`Events.Attributes\`,
  Links.TraceId AS \`Links.TraceId\`, Links.SpanId AS \`Links.SpanId\`, Links.TraceState AS \`Links.TraceState\`,
  Links.Attributes AS \`Links.Attributes\``;

// Aliases must not reuse column names (Timestamp, Events.Timestamp): ClickHouse resolves aliases in WHERE.
type RawSpanRow = Omit<SpanRow, 'Duration' | 'Timestamp' | 'Events.Timestamp'> & {
  Duration: string | number;
  TimestampNs: string;
  EventsTimestampNs: string[];
};

export function toSpanRow(raw: RawSpanRow): SpanRow {
  const { TimestampNs, EventsTimestampNs, Duration, ...rest } = raw;
  return {
    ...rest,
    Timestamp: TimestampNs,
    Duration: Number(Duration),
    'Events.Timestamp': EventsTimestampNs,
  };
}
