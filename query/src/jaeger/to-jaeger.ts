import type { SpanKindName, SpanRow } from '@meshscope/collector';
import { durationNsToUs, isEmptySpanId, nsTextToUs } from '../tracing/span-time.js';
import { inferAttributeValue, int64JsonValue, sortedEntries } from './attribute-values.js';
import type {
  JaegerKeyValue,
  JaegerLog,
  JaegerProcess,
  JaegerReference,
  JaegerSpan,
  JaegerTrace,
} from './model.js';
import { eventsInTimeOrder, groupRowsByTrace, linksOf } from './trace-rows.js';

/**
 * Stored rows → Jaeger v1 traces, as Jaeger v2.20's query service builds them from OTLP: the
 * opentelemetry-collector-contrib `translator/jaeger` (`ProtoFromTraces`) after the standard adjusters
 * (duplicates dropped, attributes sorted by key, events by time, missing parents and duplicate ids warned
 * about), then `uimodel/converter/v1/json`. Clock-skew correction is left out: Jaeger's default limit for it
 * is 0, i.e. off.
 */

/** Keys Jaeger's translator adds for OTLP fields that have no Jaeger equivalent. */
export const JaegerTagKeys = {
  scopeName: 'otel.scope.name',
  scopeVersion: 'otel.scope.version',
  spanKind: 'span.kind',
  statusCode: 'otel.status_code',
  statusDescription: 'otel.status_description',
  error: 'error',
  traceState: 'w3c.tracestate',
  /** log field holding the event name */
  event: 'event',
  /** link attribute naming the OpenTracing reference type */
  refType: 'opentracing.ref_type',
} as const;

/** Process name Jaeger's translator uses for a resource with no attributes at all. */
export const NO_SERVICE_NAME = 'OTLPResourceNoServiceName';

const SPAN_KIND_TAG: Record<SpanKindName, string | undefined> = {
  Unspecified: undefined,
  Internal: 'internal',
  Server: 'server',
  Client: 'client',
  Producer: 'producer',
  Consumer: 'consumer',
};

export const missingParentWarning = (parentSpanId: string): string =>
  `parent span ID=${parentSpanId} is not in the trace; skipping clock skew adjustment`;
export const DUPLICATE_SPAN_ID_WARNING = 'duplicate span IDs; skipping clock skew adjustment';

/** One typed Jaeger key-value from a stored string. */
export function toJaegerKeyValue(key: string, text: string): JaegerKeyValue {
  const inferred = inferAttributeValue(text);
  switch (inferred.type) {
    case 'bool':
      return { key, type: 'bool', value: inferred.value };
    case 'int64':
      return { key, type: 'int64', value: int64JsonValue(inferred.value) };
    case 'float64':
      return { key, type: 'float64', value: inferred.value };
    case 'string':
      return { key, type: 'string', value: inferred.value };
  }
}

const stringTag = (key: string, value: string): JaegerKeyValue => ({ key, type: 'string', value });

function typedTags(attributes: Readonly<Record<string, string>>, skipKey?: string): JaegerKeyValue[] {
  return sortedEntries(attributes)
    .filter(([key]) => key !== skipKey)
    .map(([key, text]) => toJaegerKeyValue(key, text));
}

/** Span tags in the translator's order: scope, attributes, kind, status code, error, description, tracestate. */
function spanTags(row: SpanRow): JaegerKeyValue[] {
  const tags: JaegerKeyValue[] = [];
  if (row.ScopeName !== '') tags.push(stringTag(JaegerTagKeys.scopeName, row.ScopeName));
  if (row.ScopeVersion !== '') tags.push(stringTag(JaegerTagKeys.scopeVersion, row.ScopeVersion));
  tags.push(...typedTags(row.SpanAttributes));
  const kind = SPAN_KIND_TAG[row.SpanKind];
  if (kind !== undefined) tags.push(stringTag(JaegerTagKeys.spanKind, kind));
  if (row.StatusCode === 'Ok') tags.push(stringTag(JaegerTagKeys.statusCode, 'OK'));
  if (row.StatusCode === 'Error') {
    tags.push(stringTag(JaegerTagKeys.statusCode, 'ERROR'));
    tags.push({ key: JaegerTagKeys.error, type: 'bool', value: true });
  }
  if (row.StatusMessage !== '') tags.push(stringTag(JaegerTagKeys.statusDescription, row.StatusMessage));
  if (row.TraceState !== '') tags.push(stringTag(JaegerTagKeys.traceState, row.TraceState));
  return tags;
}

/** CHILD_OF the parent first (backends look for it there), then one reference per link. */
function references(row: SpanRow): JaegerReference[] {
  const refs: JaegerReference[] = [];
  const hasParent = !isEmptySpanId(row.ParentSpanId);
  if (hasParent) refs.push({ refType: 'CHILD_OF', traceID: row.TraceId, spanID: row.ParentSpanId });
  for (const link of linksOf(row)) {
    const refType = link.attributes[JaegerTagKeys.refType] === 'child_of' ? 'CHILD_OF' : 'FOLLOWS_FROM';
    const parentRef = refs[0];
    if (hasParent && parentRef && link.traceId === row.TraceId && link.spanId === row.ParentSpanId) {
      // a link to the parent only restates the reference type
      parentRef.refType = refType;
      continue;
    }
    refs.push({ refType, traceID: link.traceId, spanID: link.spanId });
  }
  return refs;
}

function logs(row: SpanRow): JaegerLog[] {
  return eventsInTimeOrder(row).map((event) => {
    const fields: JaegerKeyValue[] = [];
    if (event.name !== '' && !(JaegerTagKeys.event in event.attributes)) {
      fields.push(stringTag(JaegerTagKeys.event, event.name));
    }
    fields.push(...typedTags(event.attributes));
    return { timestamp: nsTextToUs(event.timeNs), fields };
  });
}

function processOf(row: SpanRow): JaegerProcess {
  const attributes = row.ResourceAttributes;
  const serviceName =
    row.ServiceName !== ''
      ? row.ServiceName
      : (attributes['service.name'] ?? (Object.keys(attributes).length === 0 ? NO_SERVICE_NAME : ''));
  return { serviceName, tags: typedTags(attributes, 'service.name') };
}

/** p1, p2, … for distinct processes in first-seen order (Jaeger's `processHashtable`). */
class ProcessTable {
  private readonly keys = new Map<string, string>();
  readonly processes: Record<string, JaegerProcess> = {};

  idOf(process: JaegerProcess): string {
    const identity = JSON.stringify(process);
    let id = this.keys.get(identity);
    if (id === undefined) {
      id = `p${this.keys.size + 1}`;
      this.keys.set(identity, id);
      this.processes[id] = process;
    }
    return id;
  }
}

/** The spans of one trace (all rows share a TraceId) → one Jaeger trace. */
export function toJaegerTrace(rows: readonly SpanRow[]): JaegerTrace {
  const table = new ProcessTable();
  const ids = new Set(rows.map((row) => row.SpanId));
  const seen = new Set<string>();
  const spans = rows.map((row): JaegerSpan => {
    const warnings: string[] = [];
    if (seen.has(row.SpanId)) warnings.push(DUPLICATE_SPAN_ID_WARNING);
    seen.add(row.SpanId);
    if (!isEmptySpanId(row.ParentSpanId) && !ids.has(row.ParentSpanId)) {
      warnings.push(missingParentWarning(row.ParentSpanId));
    }
    return {
      traceID: row.TraceId,
      spanID: row.SpanId,
      operationName: row.SpanName,
      references: references(row),
      startTime: nsTextToUs(row.Timestamp),
      duration: durationNsToUs(row.Duration),
      tags: spanTags(row),
      logs: logs(row),
      processID: table.idOf(processOf(row)),
      warnings: warnings.length > 0 ? warnings : null,
    };
  });
  return { traceID: rows[0]?.TraceId ?? '', spans, processes: table.processes, warnings: null };
}

/** Rows of any number of traces → Jaeger traces, in the order traces are first seen. */
export function toJaegerTraces(rows: readonly SpanRow[]): JaegerTrace[] {
  return groupRowsByTrace(rows).map(toJaegerTrace);
}
