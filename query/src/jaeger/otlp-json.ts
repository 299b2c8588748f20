import { z } from 'zod';
import type { SpanKindName, SpanRow, StatusCodeName } from '@meshscope/collector';
import { endNsText, isEmptySpanId } from '../tracing/span-time.js';
import { inferAttributeValue, sortedEntries } from './attribute-values.js';
import { eventsInTimeOrder, groupRowsByTrace, linksOf } from './trace-rows.js';

/**
 * Stored rows → OTLP JSON (`TracesData`), the payload of Jaeger's api_v3 (`/api/v3/traces…` →
 * `{result: {resourceSpans}}`). OTLP's JSON mapping: lowerCamelCase keys, ids as lowercase hex, enums as
 * integers, 64-bit integers (timestamps, intValue) as decimal strings. Spans are grouped by resource and then
 * by instrumentation scope, in first-seen order; attributes are typed back from their stored text and sorted
 * by key, events by time, and exact duplicate rows dropped, as Jaeger's adjusters do before answering.
 */

export const otlpAnyValueSchema = z.union([
  z.strictObject({ stringValue: z.string() }),
  z.strictObject({ boolValue: z.boolean() }),
  z.strictObject({ intValue: z.string().regex(/^-?\d+$/) }),
  z.strictObject({ doubleValue: z.number() }),
]);
export type OtlpAnyValue = z.infer<typeof otlpAnyValueSchema>;

export const otlpKeyValueSchema = z.strictObject({ key: z.string(), value: otlpAnyValueSchema });
export type OtlpKeyValue = z.infer<typeof otlpKeyValueSchema>;

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));
const unixNanoText = z.string().regex(/^\d+$/);

export const otlpSpanSchema = z.strictObject({
  traceId: hex(16),
  spanId: hex(8),
  /** absent for a root */
  parentSpanId: hex(8).optional(),
  traceState: z.string().optional(),
  name: z.string(),
  /** SPAN_KIND_UNSPECIFIED 0, INTERNAL 1, SERVER 2, CLIENT 3, PRODUCER 4, CONSUMER 5 */
  kind: z.number().int().min(0).max(5),
  startTimeUnixNano: unixNanoText,
  endTimeUnixNano: unixNanoText,
  attributes: z.array(otlpKeyValueSchema),
  events: z.array(
    z.strictObject({ timeUnixNano: unixNanoText, name: z.string(), attributes: z.array(otlpKeyValueSchema) }),
  ),
  links: z.array(
    z.strictObject({
      traceId: hex(16),
      spanId: hex(8),
      traceState: z.string().optional(),
      attributes: z.array(otlpKeyValueSchema),
    }),
  ),
  /** STATUS_CODE_UNSET 0 (left out), OK 1, ERROR 2 */
  status: z.strictObject({ code: z.number().int().min(1).max(2).optional(), message: z.string().optional() }),
});
export type OtlpSpan = z.infer<typeof otlpSpanSchema>;

export const otlpScopeSpansSchema = z.strictObject({
  scope: z.strictObject({ name: z.string().optional(), version: z.string().optional() }),
  spans: z.array(otlpSpanSchema),
});
export type OtlpScopeSpans = z.infer<typeof otlpScopeSpansSchema>;

export const otlpResourceSpansSchema = z.strictObject({
  resource: z.strictObject({ attributes: z.array(otlpKeyValueSchema) }),
  scopeSpans: z.array(otlpScopeSpansSchema),
});
export type OtlpResourceSpans = z.infer<typeof otlpResourceSpansSchema>;

export const otlpTracesDataSchema = z.strictObject({ resourceSpans: z.array(otlpResourceSpansSchema) });
export type OtlpTracesData = z.infer<typeof otlpTracesDataSchema>;

/** api_v3 bodies (`jaeger-idl/proto/api_v3/query_service.proto` through grpc-gateway). */
export const apiV3TracesResponseSchema = z.strictObject({ result: otlpTracesDataSchema });
export type ApiV3TracesResponse = z.infer<typeof apiV3TracesResponseSchema>;
export const apiV3ServicesResponseSchema = z.strictObject({ services: z.array(z.string()) });
export const apiV3OperationsResponseSchema = z.strictObject({
  operations: z.array(z.strictObject({ name: z.string(), spanKind: z.string() })),
});
export const apiV3ErrorSchema = z.strictObject({
  error: z.strictObject({ httpCode: z.number().int(), message: z.string() }),
});
export type ApiV3Error = z.infer<typeof apiV3ErrorSchema>;

export const apiV3Error = (httpCode: number, message: string): ApiV3Error => ({
  error: { httpCode, message },
});

export const OTLP_SPAN_KIND: Record<SpanKindName, number> = {
  Unspecified: 0,
  Internal: 1,
  Server: 2,
  Client: 3,
  Producer: 4,
  Consumer: 5,
};

export const OTLP_STATUS_CODE: Record<StatusCodeName, number> = { Unset: 0, Ok: 1, Error: 2 };

/** A stored string as a typed OTLP value; int64 stays text, as OTLP JSON writes it. */
export function toOtlpAnyValue(text: string): OtlpAnyValue {
  const inferred = inferAttributeValue(text);
  switch (inferred.type) {
    case 'bool':
      return { boolValue: inferred.value };
    case 'int64':
      return { intValue: inferred.value };
    case 'float64':
      return { doubleValue: inferred.value };
    case 'string':
      return { stringValue: inferred.value };
  }
}

function otlpAttributes(map: Readonly<Record<string, string>>): OtlpKeyValue[] {
  return sortedEntries(map).map(([key, text]) => ({ key, value: toOtlpAnyValue(text) }));
}

function resourceAttributes(row: SpanRow): Record<string, string> {
  // The ServiceName column is derived from service.name; put it back if a writer left the map without it.
  if (row.ServiceName === '' || 'service.name' in row.ResourceAttributes) return row.ResourceAttributes;
  return { ...row.ResourceAttributes, 'service.name': row.ServiceName };
}

function otlpSpan(row: SpanRow): OtlpSpan {
  const status: OtlpSpan['status'] = {};
  const code = OTLP_STATUS_CODE[row.StatusCode];
  if (code !== 0) status.code = code;
  if (row.StatusMessage !== '') status.message = row.StatusMessage;
  return {
    traceId: row.TraceId,
    spanId: row.SpanId,
    ...(isEmptySpanId(row.ParentSpanId) ? {} : { parentSpanId: row.ParentSpanId }),
    ...(row.TraceState === '' ? {} : { traceState: row.TraceState }),
    name: row.SpanName,
    kind: OTLP_SPAN_KIND[row.SpanKind],
    startTimeUnixNano: row.Timestamp,
    endTimeUnixNano: endNsText(row.Timestamp, row.Duration),
    attributes: otlpAttributes(row.SpanAttributes),
    events: eventsInTimeOrder(row).map((event) => ({
      timeUnixNano: event.timeNs,
      name: event.name,
      attributes: otlpAttributes(event.attributes),
    })),
    links: linksOf(row).map((link) => ({
      traceId: link.traceId,
      spanId: link.spanId,
      ...(link.traceState === '' ? {} : { traceState: link.traceState }),
      attributes: otlpAttributes(link.attributes),
    })),
    status,
  };
}

/** Rows (any number of traces) → OTLP `TracesData`, spans grouped by resource, then by scope. */
export function toOtlpTracesData(rows: readonly SpanRow[]): OtlpTracesData {
  const resources = new Map<string, { resource: OtlpResourceSpans; scopes: Map<string, OtlpScopeSpans> }>();
  for (const row of groupRowsByTrace(rows).flat()) {
    const attributes = otlpAttributes(resourceAttributes(row));
    const resourceKey = JSON.stringify(attributes);
    let entry = resources.get(resourceKey);
    if (entry === undefined) {
      entry = { resource: { resource: { attributes }, scopeSpans: [] }, scopes: new Map() };
      resources.set(resourceKey, entry);
    }
    const scopeKey = JSON.stringify([row.ScopeName, row.ScopeVersion]);
    let scope = entry.scopes.get(scopeKey);
    if (scope === undefined) {
      scope = {
        scope: {
          ...(row.ScopeName === '' ? {} : { name: row.ScopeName }),
          ...(row.ScopeVersion === '' ? {} : { version: row.ScopeVersion }),
        },
        spans: [],
      };
      entry.scopes.set(scopeKey, scope);
      entry.resource.scopeSpans.push(scope);
    }
    scope.spans.push(otlpSpan(row));
  }
  return { resourceSpans: [...resources.values()].map((entry) => entry.resource) };
}

/** The body of `GET /api/v3/traces/{id}` and `GET /api/v3/traces`. */
export function toApiV3TracesResponse(rows: readonly SpanRow[]): ApiV3TracesResponse {
  return { result: toOtlpTracesData(rows) };
}
