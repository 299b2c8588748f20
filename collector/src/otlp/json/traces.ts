import type { AttributeMap, SpanRow } from '../../storage/rows.js';
import type { DecodedTraces } from '../decoded.js';
import { Rejections } from '../rejections.js';
import {
  SPAN_KIND_ENUM,
  STATUS_CODE_ENUM,
  describeSpan,
  normaliseParent,
  spanKindName,
  spanProblem,
  statusCodeName,
} from '../spans.js';
import {
  asArray,
  asEnum,
  asHexId,
  asObject,
  asString,
  asUint64,
  attributes,
  field,
  parseJsonBody,
  type JsonObject,
  resourceAttributes,
  scope,
} from './values.js';

/** ExportTraceServiceRequest in OTLP/JSON → the same rows the protobuf decoder produces. */
export function decodeTraceRequestJson(body: Buffer | string): DecodedTraces {
  const request = asObject(parseJsonBody(body), 'request');
  const spans: SpanRow[] = [];
  const rejections = new Rejections();
  asArray(field(request, 'resourceSpans', 'resource_spans'), 'resourceSpans').forEach((rs, i) => {
    const rsPath = `resourceSpans[${i}]`;
    const resourceSpans = asObject(rs, rsPath);
    const resource = resourceAttributes(resourceSpans['resource'], `${rsPath}.resource`);
    const serviceName = resource['service.name'] ?? '';
    const scopeSpansList = field(resourceSpans, 'scopeSpans', 'scope_spans');
    asArray(scopeSpansList, `${rsPath}.scopeSpans`).forEach((ss, j) => {
      const ssPath = `${rsPath}.scopeSpans[${j}]`;
      const scopeSpans = asObject(ss, ssPath);
      const { name: scopeName, version: scopeVersion } = scope(scopeSpans['scope'], `${ssPath}.scope`);
      asArray(scopeSpans['spans'], `${ssPath}.spans`).forEach((s, k) => {
        const row = span(asObject(s, `${ssPath}.spans[${k}]`), `${ssPath}.spans[${k}]`, rejections);
        if (!row) return;
        row.ServiceName = serviceName;
        row.ResourceAttributes = resource;
        row.ScopeName = scopeName;
        row.ScopeVersion = scopeVersion;
        spans.push(row);
      });
    });
  });
  return { spans, rejectedSpans: rejections.count, errorMessage: rejections.message('span') };
}

const HEX_ONLY = ' must be hex (OTLP/JSON encodes ids as hex, not base64)';

function span(obj: JsonObject, path: string, rejections: Rejections): SpanRow | undefined {
  const name = asString(obj['name'], `${path}.name`);
  const traceId = asHexId(field(obj, 'traceId', 'trace_id'), `${path}.traceId`);
  const spanId = asHexId(field(obj, 'spanId', 'span_id'), `${path}.spanId`);
  const parentSpanId = asHexId(field(obj, 'parentSpanId', 'parent_span_id'), `${path}.parentSpanId`);
  const startNs = asUint64(
    field(obj, 'startTimeUnixNano', 'start_time_unix_nano'),
    `${path}.startTimeUnixNano`,
  );
  const endNs = asUint64(field(obj, 'endTimeUnixNano', 'end_time_unix_nano'), `${path}.endTimeUnixNano`);
  const status = asObject(obj['status'], `${path}.status`);
  const spanAttributes = attributes(obj['attributes'], `${path}.attributes`);
  const events = asArray(obj['events'], `${path}.events`).map((e, i) => event(e, `${path}.events[${i}]`));
  const links = asArray(obj['links'], `${path}.links`).map((l, i) => link(l, `${path}.links[${i}]`));

  if (traceId === null || spanId === null || parentSpanId === null) {
    const which = traceId === null ? 'trace_id' : spanId === null ? 'span_id' : 'parent_span_id';
    rejections.reject(`${describeSpan(name, spanId ?? '')}: ${which}${HEX_ONLY}`);
    return undefined;
  }
  const problem = spanProblem(traceId, spanId, parentSpanId, startNs, endNs);
  if (problem) {
    rejections.reject(`${describeSpan(name, spanId)}: ${problem}`);
    return undefined;
  }
  return {
    Timestamp: startNs.toString(),
    TraceId: traceId,
    SpanId: spanId,
    ParentSpanId: normaliseParent(parentSpanId),
    TraceState: asString(field(obj, 'traceState', 'trace_state'), `${path}.traceState`),
    SpanName: name,
    SpanKind: spanKindName(asEnum(obj['kind'], SPAN_KIND_ENUM, `${path}.kind`)),
    ServiceName: '',
    ResourceAttributes: {},
    ScopeName: '',
    ScopeVersion: '',
    SpanAttributes: spanAttributes,
    Duration: Number(endNs - startNs),
    StatusCode: statusCodeName(asEnum(status['code'], STATUS_CODE_ENUM, `${path}.status.code`)),
    StatusMessage: asString(status['message'], `${path}.status.message`),
    'Events.Timestamp': events.map((e) => e.timeNs),
    'Events.Name': events.map((e) => e.name),
    'Events.Attributes': events.map((e) => e.attributes),
    'Links.TraceId': links.map((l) => l.traceId),
    'Links.SpanId': links.map((l) => l.spanId),
    'Links.TraceState': links.map((l) => l.traceState),
    'Links.Attributes': links.map((l) => l.attributes),
  };
}

function event(value: unknown, path: string): { timeNs: string; name: string; attributes: AttributeMap } {
  const obj = asObject(value, path);
  return {
    timeNs: asUint64(field(obj, 'timeUnixNano', 'time_unix_nano'), `${path}.timeUnixNano`).toString(),
    name: asString(obj['name'], `${path}.name`),
    attributes: attributes(obj['attributes'], `${path}.attributes`),
  };
}

interface JsonLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: AttributeMap;
}

/** Link ids are stored as sent; a non-hex one is kept as its raw string rather than failing the span. */
function link(value: unknown, path: string): JsonLink {
  const obj = asObject(value, path);
  const rawTrace = field(obj, 'traceId', 'trace_id');
  const rawSpan = field(obj, 'spanId', 'span_id');
  return {
    traceId: asHexId(rawTrace, `${path}.traceId`) ?? asString(rawTrace, `${path}.traceId`),
    spanId: asHexId(rawSpan, `${path}.spanId`) ?? asString(rawSpan, `${path}.spanId`),
    traceState: asString(field(obj, 'traceState', 'trace_state'), `${path}.traceState`),
    attributes: attributes(obj['attributes'], `${path}.attributes`),
  };
}
