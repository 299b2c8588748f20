/**
 * mTLS as the collector sees it: the agents' request histograms, decoded and rolled up by the collector's
 * own code, give edges with the Mtls flag and both principals (what the topology's lock and the "who
 * called whom" view read).
 */
import { decodeMetricsRequest, edgeRowsFromHistograms } from '@meshscope/collector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, parseAgentConfig, startAgent } from '../../src/index.js';
import { type Backend, request, silent, startBackend, tempDir, writeFile } from '../helpers.js';
import { OtlpSink } from '../otlp-sink.js';
import { meshServiceEntry, newCa, spiffe, workloadFiles } from './pki.js';

const HOST = 'ratings.default.svc.cluster.local';

describe('mTLS edges in the collector rollup', () => {
  let sink: OtlpSink;
  let app: Backend;
  let inbound: AgentHandle;
  let outbound: AgentHandle;

  beforeAll(async () => {
    const ca = await newCa();
    sink = await new OtlpSink().start();
    app = await startBackend('ratings');
    const telemetry = { collectorUrl: sink.url, metricsIntervalMs: 100, spanBatchDelayMs: 20 };
    inbound = await startAgent(
      parseAgentConfig({
        identity: {
          workload: 'ratings-v1',
          app: 'ratings',
          version: 'v1',
          service: HOST,
          serviceAccount: 'ratings',
        },
        listeners: { outboundPort: 0, inboundPort: 0, adminPort: 0 },
        app: { port: app.port },
        telemetry,
        tls: await workloadFiles(ca, spiffe('ratings')),
      }),
      { logger: silent },
    );
    const mesh = writeFile(
      tempDir(),
      'mesh.yaml',
      meshServiceEntry(HOST, [{ port: inbound.ports.inbound ?? 0, serviceAccount: 'ratings' }]),
    );
    outbound = await startAgent(
      parseAgentConfig({
        identity: { workload: 'reviews-v1', app: 'reviews', version: 'v1', serviceAccount: 'reviews' },
        listeners: { outboundPort: 0, inboundPort: 0, adminPort: 0 },
        meshConfigFile: mesh,
        telemetry,
        tls: await workloadFiles(ca, spiffe('reviews')),
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

  it('both reporters give an edge with Mtls = 1 and both SPIFFE principals; plaintext gives Mtls = 0', async () => {
    for (let i = 0; i < 5; i++)
      expect((await request(outbound.ports.outbound, { host: 'ratings' })).status).toBe(200);
    expect((await request(inbound.ports.inbound ?? 0, { host: 'ratings', agent: false })).status).toBe(200);
    const edges = () =>
      edgeRowsFromHistograms(sink.rawMetrics.flatMap((b) => decodeMetricsRequest(b).rows.histograms));
    await sink.until(() => {
      const e = edges();
      return (
        e.some((x) => x.Reporter === 'source') && e.filter((x) => x.Reporter === 'destination').length >= 2
      );
    });
    const all = edges();
    const tls = all.filter((e) => e.Mtls === 1);
    expect(new Set(tls.map((e) => e.Reporter))).toEqual(new Set(['source', 'destination']));
    for (const e of tls) {
      expect(e.SourcePrincipal).toBe(spiffe('reviews'));
      expect(e.DestPrincipal).toBe(spiffe('ratings'));
      expect(e.SourceWorkload).toBe('reviews-v1');
      expect(e.DestWorkload).toBe('ratings-v1');
    }
    const plain = all.filter((e) => e.Mtls === 0);
    expect(plain.length).toBeGreaterThanOrEqual(1);
    expect(plain.every((e) => e.Reporter === 'destination' && e.SourcePrincipal === 'unknown')).toBe(true);
  });
});
