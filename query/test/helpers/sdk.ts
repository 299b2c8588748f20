import type { Tracer } from '@opentelemetry/api';
import { decodeTraceRequest, type SpanRow } from '@meshscope/collector';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

/**
 * Spans recorded by the real OpenTelemetry JS SDK, serialised by its own OTLP protobuf serialiser and
 * decoded by the collector's decoder: exactly the rows a collector stores for an SDK service.
 */
export async function sdkSpanRows(
  resource: Record<string, string>,
  record: (tracer: Tracer) => void,
): Promise<SpanRow[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  record(provider.getTracer('meshscope-query-test', '1.0.0'));
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  const body = ProtobufTraceSerializer.serializeRequest(spans);
  if (!body) throw new Error('the SDK serialiser produced nothing');
  const decoded = decodeTraceRequest(Buffer.from(body));
  if (decoded.rejectedSpans > 0) throw new Error(`spans rejected: ${decoded.errorMessage}`);
  return decoded.spans;
}
