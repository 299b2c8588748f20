/**
 * The agent's exports, decoded by the collector's own OTLP decoders and edge rollup (the consumer of this
 * contract): parentage, span kinds, identity and the agent marker survive the trip, and agent histograms
 * become edges on both reporters.
 */
import { decodeMetricsRequest, decodeTraceRequest, edgeRowsFromHistograms } from '@meshscope/collector';
import { AGENT_RESOURCE_ATTR } from '@meshscope/collector/conventions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, parseAgentConfig, startAgent } from '../../src/index.js';
import { type Backend, request, serviceEntry, silent, startBackend, tempDir, writeFile } from '../helpers.js';
import { OtlpSink } from '../otlp-sink.js';

const TRACE = '5bf92f3577b34da6a3ce929d0e0e4736';

describe('agent exports read by the collector', () => {
  let sink: OtlpSink;
  let app: Backend;
  let inbound: AgentHandle;
  let outbound: AgentHandle;

  beforeAll(async () => {
    sink = await new OtlpSink().start();
    app = await startBackend('app');
    const telemetry = { collectorUrl: sink.url, metricsIntervalMs: 100, spanBatchDelayMs: 20 };
    inbound = await startAgent(
      parseAgentConfig({
        identity: {
          workload: 'ratings-v2',
          app: 'ratings',
          version: 'v2',
          service: 'ratings.shop.svc.cluster.local',
          namespace: 'shop',
        },
        listeners: { outboundPort: 0, inboundPort: 0, adminPort: 0 },
        app: { port: app.port },
        telemetry,
      }),
      { logger: silent },
    );
    const mesh = writeFile(
      tempDir(),
      'mesh.yaml',
      serviceEntry('ratings.shop.svc.cluster.local', [
        { port: inbound.ports.inbound ?? 0, labels: { app: 'ratings', version: 'v2' } },
      ]).replace('namespace: default', 'namespace: shop'),
    );
    outbound = await startAgent(
      parseAgentConfig({
        identity: { workload: 'reviews-v1', app: 'reviews', version: 'v1', namespace: 'shop' },
        listeners: { outboundPort: 0, inboundPort: 0, adminPort: 0 },
        meshConfigFile: mesh,
        telemetry,
      }),
      { logger: silent },
    );
  });
  afterAll(async () => {
    await outbound.close();
    await inbound.close();
    await app.close();
    await sink.close();
  });

  it('spans decode into otel_traces rows, CLIENT → SERVER parented, with identity and the agent marker', async () => {
    const r = await request(outbound.ports.outbound, {
      host: 'ratings',
      headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` },
    });
    expect(r.status).toBe(200);
    await sink.until(() => sink.spans.filter((s) => s.traceId === TRACE).length >= 2);
    const rows = sink.rawTraces
      .flatMap((b) => decodeTraceRequest(b).spans)
      .filter((s) => s.TraceId === TRACE);
    const client = rows.find((s) => s.SpanKind === 'Client');
    const server = rows.find((s) => s.SpanKind === 'Server');
    expect(client?.ParentSpanId).toBe('00f067aa0ba902b7');
    expect(server?.ParentSpanId).toBe(client?.SpanId);
    expect(client?.ServiceName).toBe('reviews');
    expect(server?.ServiceName).toBe('ratings');
    for (const s of [client, server]) {
      expect(s?.ResourceAttributes[AGENT_RESOURCE_ATTR]).toBe('true');
      expect(s?.SpanAttributes.source_workload).toBe('reviews-v1');
      expect(s?.SpanAttributes.destination_workload).toBe('ratings-v2');
      expect(s?.SpanAttributes.destination_service).toBe('ratings.shop.svc.cluster.local');
      expect(s?.StatusCode).toBe('Unset');
    }
  });

  it('request histograms decode and roll up into one edge per reporter', async () => {
    for (let i = 0; i < 5; i++) await request(outbound.ports.outbound, { host: 'ratings' });
    await sink.until(() => {
      const rows = sink.rawMetrics.flatMap((b) => decodeMetricsRequest(b).rows.histograms);
      const edges = edgeRowsFromHistograms(rows);
      return edges.some((e) => e.Reporter === 'source') && edges.some((e) => e.Reporter === 'destination');
    });
    const edges = edgeRowsFromHistograms(
      sink.rawMetrics.flatMap((b) => decodeMetricsRequest(b).rows.histograms),
    );
    for (const reporter of ['source', 'destination'] as const) {
      const mine = edges.filter((e) => e.Reporter === reporter);
      expect(
        mine.every(
          (e) =>
            e.SourceWorkload === 'reviews-v1' &&
            e.SourceService === 'reviews' &&
            e.SourceNamespace === 'shop',
        ),
      ).toBe(true);
      expect(
        mine.every(
          (e) => e.DestService === 'ratings' && e.DestWorkload === 'ratings-v2' && e.DestVersion === 'v2',
        ),
      ).toBe(true);
    }
  });
});
