import type { AttributeMap, SpanRow } from '../../storage/rows.js';
import type { DecodedTraces } from '../decoded.js';
import { Rejections } from '../rejections.js';
import { describeSpan, normaliseParent, spanKindName, spanProblem, statusCodeName } from '../spans.js';
import { ProtoWalker, decodeProto } from './walker.js';

/**
 * ExportTraceServiceRequest (protobuf) → otel_traces rows, in one pass over the bytes per message level.
 * Field numbers are those of opentelemetry-proto trace/v1 and collector/trace/v1; tags below are
 * (field << 3 | wire type).
 */
export function decodeTraceRequest(body: Buffer): DecodedTraces {
  return decodeProto('ExportTraceServiceRequest', () => new TraceDecoder(body).decode());
}

interface SpanContext {
  resource: AttributeMap;
  serviceName: string;
  scopeName: string;
  scopeVersion: string;
}

class TraceDecoder extends ProtoWalker {
  private readonly spans: SpanRow[] = [];
  private readonly rejections = new Rejections();

  decode(): DecodedTraces {
    const r = this.r;
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 10) this.resourceSpans();
      else this.skip(tag);
    }
    return {
      spans: this.spans,
      rejectedSpans: this.rejections.count,
      errorMessage: this.rejections.message('span'),
    };
  }

  /**
   * Fields may come in any order, so the resource is looked up first (pass 1) and the scope_spans read
   * after (pass 2); skipping a length-delimited field costs one varint.
   */
  private resourceSpans(): void {
    const r = this.r;
    const outer = this.enter();
    const start = r.pos;
    let resource: AttributeMap = {};
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 10) resource = this.resource();
      else this.skip(tag);
    }
    const serviceName = resource['service.name'] ?? '';
    r.pos = start;
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 18) this.scopeSpans(resource, serviceName);
      else this.skip(tag);
    }
    this.leave(outer);
  }

  private scopeSpans(resource: AttributeMap, serviceName: string): void {
    const r = this.r;
    const outer = this.enter();
    const start = r.pos;
    const context: SpanContext = { resource, serviceName, scopeName: '', scopeVersion: '' };
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 10) {
        const scope = this.scope();
        context.scopeName = scope.name;
        context.scopeVersion = scope.version;
      } else {
        this.skip(tag);
      }
    }
    r.pos = start;
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 18) this.span(context);
      else this.skip(tag);
    }
    this.leave(outer);
  }

  private span(context: SpanContext): void {
    const r = this.r;
    const outer = this.enter();
    let traceId = '';
    let spanId = '';
    let parentSpanId = '';
    let traceState = '';
    let name = '';
    let kind = 0;
    let startNs = 0n;
    let endNs = 0n;
    let statusCode = 0;
    let statusMessage = '';
    const attributes: AttributeMap = {};
    const eventTimes: string[] = [];
    const eventNames: string[] = [];
    const eventAttributes: AttributeMap[] = [];
    const linkTraceIds: string[] = [];
    const linkSpanIds: string[] = [];
    const linkTraceStates: string[] = [];
    const linkAttributes: AttributeMap[] = [];
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag) {
        case 10:
          traceId = this.hex();
          break;
        case 18:
          spanId = this.hex();
          break;
        case 26:
          traceState = r.string();
          break;
        case 34:
          parentSpanId = this.hex();
          break;
        case 42:
          name = r.string();
          break;
        case 48:
          kind = r.int32();
          break;
        case 57:
          startNs = this.fixed64();
          break;
        case 65:
          endNs = this.fixed64();
          break;
        case 74:
          this.keyValue(attributes);
          break;
        case 90:
          this.event(eventTimes, eventNames, eventAttributes);
          break;
        case 106:
          this.link(linkTraceIds, linkSpanIds, linkTraceStates, linkAttributes);
          break;
        case 122: {
          const statusOuter = this.enter();
          while (r.pos < r.len) {
            const statusTag = r.uint32();
            if (statusTag === 18) statusMessage = r.string();
            else if (statusTag === 24) statusCode = r.int32();
            else this.skip(statusTag);
          }
          this.leave(statusOuter);
          break;
        }
        default:
          this.skip(tag);
      }
    }
    this.leave(outer);

    const problem = spanProblem(traceId, spanId, parentSpanId, startNs, endNs);
    if (problem) {
      this.rejections.reject(`${describeSpan(name, spanId)}: ${problem}`);
      return;
    }
    this.spans.push({
      Timestamp: startNs.toString(),
      TraceId: traceId,
      SpanId: spanId,
      ParentSpanId: normaliseParent(parentSpanId),
      TraceState: traceState,
      SpanName: name,
      SpanKind: spanKindName(kind),
      ServiceName: context.serviceName,
      ResourceAttributes: context.resource,
      ScopeName: context.scopeName,
      ScopeVersion: context.scopeVersion,
      SpanAttributes: attributes,
      Duration: Number(endNs - startNs),
      StatusCode: statusCodeName(statusCode),
      StatusMessage: statusMessage,
      'Events.Timestamp': eventTimes,
      'Events.Name': eventNames,
      'Events.Attributes': eventAttributes,
      'Links.TraceId': linkTraceIds,
      'Links.SpanId': linkSpanIds,
      'Links.TraceState': linkTraceStates,
      'Links.Attributes': linkAttributes,
    });
  }

  private event(times: string[], names: string[], attributeMaps: AttributeMap[]): void {
    const r = this.r;
    const outer = this.enter();
    let timeNs = 0n;
    let name = '';
    const attributes: AttributeMap = {};
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 9) timeNs = this.fixed64();
      else if (tag === 18) name = r.string();
      else if (tag === 26) this.keyValue(attributes);
      else this.skip(tag);
    }
    this.leave(outer);
    times.push(timeNs.toString());
    names.push(name);
    attributeMaps.push(attributes);
  }

  private link(traceIds: string[], spanIds: string[], states: string[], attributeMaps: AttributeMap[]): void {
    const r = this.r;
    const outer = this.enter();
    let traceId = '';
    let spanId = '';
    let state = '';
    const attributes: AttributeMap = {};
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 10) traceId = this.hex();
      else if (tag === 18) spanId = this.hex();
      else if (tag === 26) state = r.string();
      else if (tag === 34) this.keyValue(attributes);
      else this.skip(tag);
    }
    this.leave(outer);
    traceIds.push(traceId);
    spanIds.push(spanId);
    states.push(state);
    attributeMaps.push(attributes);
  }
}
