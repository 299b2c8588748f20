import type { HrTime, Tracer } from '@opentelemetry/api';
import {
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  MeterProvider,
  MetricReader,
  type AggregationTemporality,
  type ResourceMetrics,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics';
import type { Meter } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';

/**
 * Telemetry produced by the real OpenTelemetry JS SDK and serialised by its own OTLP serialisers, so the
 * decoders are tested against the bytes real senders put on the wire.
 */

export const RESOURCE = {
  'service.name': 'reviews',
  'service.version': 'v2',
  'k8s.namespace.name': 'bookinfo',
} as const;

/** Runs `record` with a tracer and returns the spans it ended. */
export async function recordSpans(
  record: (tracer: Tracer) => void,
  resource: Record<string, string> = RESOURCE,
): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  record(provider.getTracer('meshscope-test', '1.2.3'));
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

export function traceRequest(spans: ReadableSpan[], format: 'protobuf' | 'json'): Buffer {
  const serializer = format === 'protobuf' ? ProtobufTraceSerializer : JsonTraceSerializer;
  const bytes = serializer.serializeRequest(spans);
  if (!bytes) throw new Error('the SDK serialiser produced nothing');
  return Buffer.from(bytes);
}

export function metricsRequest(metrics: ResourceMetrics, format: 'protobuf' | 'json'): Buffer {
  const serializer = format === 'protobuf' ? ProtobufMetricsSerializer : JsonMetricsSerializer;
  const bytes = serializer.serializeRequest(metrics);
  if (!bytes) throw new Error('the SDK serialiser produced nothing');
  return Buffer.from(bytes);
}

/** HrTime → exact unix ns as a decimal string. */
export function hrNs(time: HrTime): string {
  return (BigInt(time[0]) * 1_000_000_000n + BigInt(time[1])).toString();
}

export function hrDurationNs(start: HrTime, end: HrTime): number {
  return Number(BigInt(hrNs(end)) - BigInt(hrNs(start)));
}

/** A pull reader: each collect() returns what the instruments recorded, with the chosen temporality. */
class TestReader extends MetricReader {
  constructor(temporality: AggregationTemporality) {
    super({ aggregationTemporalitySelector: () => temporality });
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

export interface MeterHarness {
  meter: Meter;
  collect: () => Promise<ResourceMetrics>;
  shutdown: () => Promise<void>;
}

export function meterHarness(
  temporality: AggregationTemporality,
  views: ViewOptions[] = [],
  resource: Record<string, string> = RESOURCE,
): MeterHarness {
  const reader = new TestReader(temporality);
  const provider = new MeterProvider({
    resource: resourceFromAttributes(resource),
    readers: [reader],
    views,
  });
  return {
    meter: provider.getMeter('meshscope-test', '1.2.3'),
    collect: async () => {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw new Error(`metric collection failed: ${String(errors[0])}`);
      return resourceMetrics;
    },
    shutdown: () => provider.shutdown(),
  };
}
