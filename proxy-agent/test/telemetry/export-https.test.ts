/**
 * OTLP export on the agent's own HTTP/1.1 client: to an https collector, trusting the CA given in
 * `telemetry.collectorCaFile` (and refusing a collector it cannot verify, without failing any request),
 * and with credentials in the collector URL, sent as Basic auth and never shown.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentConfigError, parseAgentConfig, startAgent } from '../../src/index.js';
import {
  type Backend,
  memoryLogger,
  request,
  serviceEntry,
  silent,
  startBackend,
  tempDir,
  writeFile,
} from '../helpers.js';
import { OtlpSink } from '../otlp-sink.js';
import { newCa } from '../security/pki.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';
const HOST = 'app.default.svc.cluster.local';

describe('OTLP export over https', () => {
  let sink: OtlpSink;
  let app: Backend;
  let caFile: string;
  let mesh: string;

  beforeAll(async () => {
    const ca = await newCa();
    const server = await ca.serverCertificate(['127.0.0.1']);
    sink = await new OtlpSink({ cert: server.chainPem, key: server.keyPem }).start();
    app = await startBackend('app');
    const dir = tempDir();
    caFile = writeFile(dir, 'collector-ca.pem', await ca.bundlePem());
    mesh = writeFile(dir, 'mesh.yaml', serviceEntry(HOST, [{ port: app.port }]));
  });

  afterAll(async () => {
    await app.close();
    await sink.close();
  });

  const agentWith = (telemetry: Record<string, unknown>) =>
    startAgent(
      parseAgentConfig({
        identity: { workload: 'client' },
        listeners: { outboundPort: 0, adminPort: 0 },
        meshConfigFile: mesh,
        telemetry: { collectorUrl: sink.url, metricsIntervalMs: 60_000, spanBatchDelayMs: 5, ...telemetry },
      }),
      { logger: silent },
    );

  it('delivers spans to a collector signed by the CA in collectorCaFile', async () => {
    const agent = await agentWith({ collectorCaFile: caFile });
    try {
      const r = await request(agent.ports.outbound, {
        host: 'app',
        headers: { traceparent: `00-${TRACE}-${PARENT}-01` },
      });
      expect(r.status).toBe(200);
      await sink.until(() => sink.spans.some((s) => s.traceId === TRACE && s.parentSpanId === PARENT));
      expect(sink.gzipped).toBeGreaterThan(0);
    } finally {
      await agent.close();
    }
  });

  it('refuses a collector it cannot verify (no CA given), and no request fails', async () => {
    const before = sink.requests;
    const agent = await agentWith({ maxQueueSize: 16 });
    try {
      for (let i = 0; i < 3; i++) {
        const r = await request(agent.ports.outbound, {
          host: 'app',
          headers: { traceparent: `00-${TRACE}-${PARENT}-01` },
        });
        expect(r.status).toBe(200);
      }
      // the first attempt fails the TLS handshake and is retried after a backoff of 0.5–1 s
      const deadline = Date.now() + 5000;
      let metrics = '';
      while (Date.now() < deadline) {
        metrics = (await request(agent.ports.admin, { path: '/metrics' })).body;
        if (/meshscope_agent_export_retries_total [1-9]/.test(metrics)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(metrics).toMatch(/meshscope_agent_export_retries_total [1-9]/);
      expect(metrics).toMatch(/meshscope_agent_spans_exported_total 0\b/);
      expect(sink.requests).toBe(before);
    } finally {
      await agent.close();
    }
  });

  it('refuses a collectorUrl that is not http or https, naming the setting', () => {
    for (const collectorUrl of ['ftp://collector:4318', 'collector:4318'])
      expect(() =>
        parseAgentConfig({ identity: { workload: 'client' }, telemetry: { collectorUrl } }),
      ).toThrow(/telemetry\.collectorUrl: must be an http:\/\/ or https:\/\/ URL/);
  });

  it('names collectorCaFile when it cannot be read', async () => {
    const missing = join(tempDir(), 'no-such-ca.pem');
    const err = await agentWith({ collectorCaFile: missing }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AgentConfigError);
    expect(String((err as Error).message)).toMatch(/telemetry\.collectorCaFile: .*ENOENT/);
  });
});

describe('credentials in collectorUrl', () => {
  it('are sent as Basic auth, and shown neither in the log nor in /config', async () => {
    const sink = await new OtlpSink().start();
    // the first export is refused for good (400): the agent logs the drop, with the URL
    sink.failWith = [{ status: 400 }];
    const app = await startBackend('app');
    const mesh = writeFile(tempDir(), 'mesh.yaml', serviceEntry(HOST, [{ port: app.port }]));
    const { logger, lines } = memoryLogger();
    const agent = await startAgent(
      parseAgentConfig({
        identity: { workload: 'client' },
        listeners: { outboundPort: 0, adminPort: 0 },
        meshConfigFile: mesh,
        telemetry: {
          collectorUrl: `http://otel:s3cr%40t@127.0.0.1:${sink.port}`,
          metricsIntervalMs: 60_000,
          spanBatchDelayMs: 5,
          samplingRatio: 1,
        },
      }),
      { logger },
    );
    try {
      await request(agent.ports.outbound, { host: 'app' });
      await sink.until(() => sink.requests >= 1);
      await request(agent.ports.outbound, {
        host: 'app',
        headers: { traceparent: `00-${TRACE}-${PARENT}-01` },
      });
      await sink.until(() => sink.spans.some((x) => x.traceId === TRACE));
      const basic = `Basic ${Buffer.from('otel:s3cr@t').toString('base64')}`;
      expect(sink.authorizations.length).toBeGreaterThanOrEqual(2);
      expect(sink.authorizations.every((a) => a === basic)).toBe(true);
      const dropped = lines.find((l) => l.msg === 'telemetry export dropped');
      expect(dropped?.url).toBe(`http://otel:***@127.0.0.1:${sink.port}/v1/traces`);
      const config = (await request(agent.ports.admin, { path: '/config' })).body;
      expect(config).toContain(`http://otel:***@127.0.0.1:${sink.port}`);
      for (const shown of [JSON.stringify(lines), config]) {
        expect(shown).not.toContain('s3cr');
        expect(shown).not.toContain(Buffer.from('otel:s3cr@t').toString('base64'));
      }
    } finally {
      await agent.close();
      await app.close();
      await sink.close();
    }
  });
});
