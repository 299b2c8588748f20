/**
 * A lean span: just the fields `ReadableSpan` has, filled once, handed to the OTLP serializer. The agent
 * does not need the SDK's live-span machinery (context managers, processors, limits) on its hot path;
 * see docs/adr/0004-proxy-agent.md for the measured difference.
 */
import {
  type Attributes,
  type HrTime,
  type Link,
  type SpanContext,
  SpanKind,
  type SpanStatus,
  SpanStatusCode,
} from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';

/** Wall clock in ms with sub-ms precision, monotonic within the process. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function msToHrTime(ms: number): HrTime {
  const sec = Math.floor(ms / 1000);
  return [sec, Math.round((ms - sec * 1000) * 1e6)];
}

const NO_LINKS: Link[] = [];
const NO_EVENTS: TimedEvent[] = [];
const OK_STATUS: SpanStatus = { code: SpanStatusCode.UNSET };
const ERROR_STATUS: SpanStatus = { code: SpanStatusCode.ERROR };

export class AgentSpan implements ReadableSpan {
  readonly links = NO_LINKS;
  readonly events = NO_EVENTS;
  readonly ended = true;
  readonly droppedAttributesCount = 0;
  readonly droppedEventsCount = 0;
  readonly droppedLinksCount = 0;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly duration: HrTime;
  readonly status: SpanStatus;
  readonly parentSpanContext: SpanContext | undefined;
  private readonly context: SpanContext;

  constructor(
    readonly name: string,
    readonly kind: SpanKind.CLIENT | SpanKind.SERVER,
    traceId: string,
    spanId: string,
    parentSpanId: string | undefined,
    traceState: string | undefined,
    startMs: number,
    endMs: number,
    error: boolean,
    readonly attributes: Attributes,
    readonly resource: Resource,
    readonly instrumentationScope: InstrumentationScope,
  ) {
    this.context = {
      traceId,
      spanId,
      traceFlags: 1,
      traceState: traceState ? new StaticTraceState(traceState) : undefined,
    };
    this.parentSpanContext = parentSpanId
      ? { traceId, spanId: parentSpanId, traceFlags: 1, isRemote: true }
      : undefined;
    this.startTime = msToHrTime(startMs);
    this.endTime = msToHrTime(endMs);
    this.duration = msToHrTime(endMs - startMs);
    this.status = error ? ERROR_STATUS : OK_STATUS;
  }

  spanContext(): SpanContext {
    return this.context;
  }
}

/** The serializer only calls serialize(); the agent never edits a tracestate. */
class StaticTraceState {
  constructor(private readonly value: string) {}
  set(): StaticTraceState {
    return this;
  }
  unset(): StaticTraceState {
    return this;
  }
  get(key: string): string | undefined {
    for (const m of this.value.split(',')) {
      const eq = m.indexOf('=');
      if (m.slice(0, eq).trim() === key) return m.slice(eq + 1);
    }
    return undefined;
  }
  serialize(): string {
    return this.value;
  }
}

export { SpanKind };
