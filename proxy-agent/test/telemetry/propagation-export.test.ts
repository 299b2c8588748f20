import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AGENT_RESOURCE_ATTR,
  CLIENT_DURATION_METRIC,
  HTTP_DURATION_BUCKETS_SEC,
  INFLIGHT_METRIC,
  MeshAttr,
  SERVER_DURATION_METRIC,
} from '@meshscope/collector/conventions';
import { type AgentHandle, parseAgentConfig, startAgent } from '../../src/index.js';
import {
  type Backend,
  deadPort,
  request,
  serviceEntry,
  silent,
  startBackend,
  tempDir,
  writeFile,
} from '../helpers.js';
import { OtlpSink } from '../otlp-sink.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

const PARENT = '00f067aa0ba902b7';

describe('trace context and OTLP export across one hop (outbound → inbound → app)', () => {
  let sink: OtlpSink;
  let app: Backend;
  let inbound: AgentHandle;
  let outbound: AgentHandle;
  let failCount = 0;

  beforeAll(async () => {
    sink = await new OtlpSink().start();
    app = await startBackend('app', (req, res) => {
      if (req.url === '/flaky' && failCount++ < 1) {
        res.writeHead(503);
        res.end('fail');
        return;
      }
      res.end('ok');
    });
    const telemetry = {
      collectorUrl: sink.url,
      metricsIntervalMs: 100,
      spanBatchDelayMs: 20,
      spanBatchSize: 64,
    };
    inbound = await startAgent(
      parseAgentConfig({
        identity: {
          workload: 'reviews-v1',
          namespace: 'default',
          app: 'reviews',
          version: 'v1',
          service: 'reviews.default.svc.cluster.local',
        },
        listeners: { outboundPort: 0, inboundPort: 0, adminPort: 0 },
        app: { port: app.port },
        telemetry,
      }),
      { logger: silent },
    );
    const dir = tempDir();
    const mesh = writeFile(
      dir,
      'mesh.yaml',
      `${serviceEntry('reviews.default.svc.cluster.local', [{ port: inbound.ports.inbound ?? 0, labels: { app: 'reviews', version: 'v1' } }])}---
${serviceEntry('ratings.default.svc.cluster.local', [{ port: await deadPort(), labels: { app: 'ratings', version: 'v1' } }])}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
    - name: flaky
      match: [{ uri: { exact: /flaky } }]
      retries: { attempts: 2, retryOn: 5xx }
      route: [{ destination: { host: reviews } }]
    - name: default
      route: [{ destination: { host: reviews } }]
`,
    );
    outbound = await startAgent(
      parseAgentConfig({
        identity: { workload: 'productpage-v1', app: 'productpage', version: 'v1' },
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

  const call = (headers: Record<string, string>, path = '/') =>
    request(outbound.ports.outbound, { host: 'reviews:80', path, headers });
  const lastAppHeaders = () => app.requests[app.requests.length - 1]?.headers ?? {};

  it('W3C: continues the trace, CLIENT is the child of the app span, SERVER the child of CLIENT', async () => {
    const r = await call({ traceparent: `00-${TRACE}-${PARENT}-01`, tracestate: 'vendor=abc,other=1' });
    expect(r.status).toBe(200);
    const seen = lastAppHeaders();
    expect(seen.traceparent).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
    expect(seen.tracestate).toBe('vendor=abc,other=1');
    expect(seen['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    await sink.until(() => sink.spans.filter((s) => s.traceId === TRACE).length >= 2);
    const client = sink.spans.find((s) => s.traceId === TRACE && s.kind === 3);
    const server = sink.spans.find((s) => s.traceId === TRACE && s.kind === 2);
    expect(client?.parentSpanId).toBe(PARENT);
    expect(server?.parentSpanId).toBe(client?.spanId);
    // The app's context names the SERVER span as its parent.
    expect(String(seen.traceparent).slice(36, 52)).toBe(server?.spanId);
    // Low-cardinality names, semconv attributes, both identities, and the agent resource marker.
    expect(client?.name).toBe('GET default');
    expect(server?.name).toBe('GET');
    expect(client?.attributes['http.response.status_code']).toBe(200);
    expect(client?.attributes['server.address']).toBe('reviews.default.svc.cluster.local');
    expect(server?.attributes['url.path']).toBe('/');
    for (const s of [client, server]) {
      expect(s?.attributes[MeshAttr.sourceWorkload]).toBe('productpage-v1');
      expect(s?.attributes[MeshAttr.destinationWorkload]).toBe('reviews-v1');
      expect(s?.attributes[MeshAttr.destinationVersion]).toBe('v1');
      expect(s?.attributes[MeshAttr.destinationService]).toBe('reviews.default.svc.cluster.local');
      expect(s?.resource[AGENT_RESOURCE_ATTR]).toBe('true');
    }
    expect(client?.attributes[MeshAttr.reporter]).toBe('source');
    expect(server?.attributes[MeshAttr.reporter]).toBe('destination');
  });

  it('B3 single: keeps the trace id, answers in B3 too, and honours "not sampled"', async () => {
    const trace = 'a3ce929d0e0e47364bf92f3577b34da6';
    await call({ b3: `${trace}-${PARENT}-1` });
    expect(lastAppHeaders().b3).toMatch(new RegExp(`^${trace}-[0-9a-f]{16}-1-[0-9a-f]{16}$`));
    await sink.until(() => sink.spans.some((s) => s.traceId === trace && s.kind === 2));
    const unsampled = 'b3ce929d0e0e47364bf92f3577b34da6';
    await call({ b3: `${unsampled}-${PARENT}-0` });
    expect(lastAppHeaders().traceparent).toMatch(/-00$/);
    await call({ traceparent: `00-${TRACE}-${PARENT}-01` }); // a later sampled span flushes the batch
    await sink.until(() => sink.spans.filter((s) => s.traceId === TRACE).length >= 4);
    expect(sink.spans.some((s) => s.traceId === unsampled)).toBe(false);
  });

  it('B3 multi with a 64-bit trace id: left-padded to 128 bits', async () => {
    await call({ 'x-b3-traceid': 'a3ce929d0e0e4736', 'x-b3-spanid': PARENT, 'x-b3-sampled': '1' });
    const seen = lastAppHeaders();
    expect(seen['x-b3-traceid']).toBe('0000000000000000a3ce929d0e0e4736');
    expect(seen.traceparent).toMatch(/^00-0000000000000000a3ce929d0e0e4736-/);
  });

  it('an invalid traceparent starts a new trace (and drops its tracestate)', async () => {
    for (const bad of [
      `00-${'0'.repeat(32)}-${PARENT}-01`,
      `ff-${TRACE}-${PARENT}-01`,
      `00-${TRACE.toUpperCase()}-${PARENT}-01`,
      'garbage',
    ]) {
      await call({ traceparent: bad, tracestate: 'a=b' });
      const tp = String(lastAppHeaders().traceparent);
      expect(tp).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      expect(tp).not.toContain(TRACE);
      expect(lastAppHeaders().tracestate).toBeUndefined();
    }
  });

  it('redacts credential query parameters in url.full', async () => {
    const trace = 'd3ce929d0e0e47364bf92f3577b34da6';
    await call({ traceparent: `00-${trace}-${PARENT}-01` }, '/?a=1&sig=secret&X-Goog-Signature=s2');
    await sink.until(() => sink.spans.some((s) => s.traceId === trace && s.kind === 3));
    const client = sink.spans.find((s) => s.traceId === trace && s.kind === 3);
    expect(client?.attributes['url.full']).toBe(
      'http://reviews:80/?a=1&sig=REDACTED&X-Goog-Signature=REDACTED',
    );
  });

  it('keeps an incoming x-request-id end to end', async () => {
    await call({ 'x-request-id': 'req-123' });
    expect(lastAppHeaders()['x-request-id']).toBe('req-123');
  });

  it('shows retries on the CLIENT span (http.request.resend_count)', async () => {
    const trace = 'c3ce929d0e0e47364bf92f3577b34da6';
    const r = await call({ traceparent: `00-${trace}-${PARENT}-01` }, '/flaky');
    expect(r.status).toBe(200);
    await sink.until(() => sink.spans.some((s) => s.traceId === trace && s.kind === 3));
    const client = sink.spans.find((s) => s.traceId === trace && s.kind === 3);
    expect(client?.attributes['http.request.resend_count']).toBe(1);
    expect(client?.name).toBe('GET flaky');
  });

  it('exports delta histograms per reporter with identity, HTTP buckets in seconds, and saturation gauges', async () => {
    await sink.until(
      () =>
        sink.points.some((p) => p.name === CLIENT_DURATION_METRIC) &&
        sink.points.some((p) => p.name === SERVER_DURATION_METRIC) &&
        sink.gauges.some((g) => g.name === INFLIGHT_METRIC),
    );
    const client = sink.points.find(
      (p) => p.name === CLIENT_DURATION_METRIC && p.attributes[MeshAttr.responseCode] === '200',
    );
    const server = sink.points.find(
      (p) => p.name === SERVER_DURATION_METRIC && p.attributes[MeshAttr.responseCode] === '200',
    );
    expect(client?.temporality).toBe(1); // AGGREGATION_TEMPORALITY_DELTA
    expect(client?.unit).toBe('s');
    expect(client?.bounds).toEqual([...HTTP_DURATION_BUCKETS_SEC]);
    expect(client?.attributes[MeshAttr.reporter]).toBe('source');
    expect(server?.attributes[MeshAttr.reporter]).toBe('destination');
    for (const p of [client, server]) {
      expect(p?.attributes[MeshAttr.sourceWorkload]).toBe('productpage-v1');
      expect(p?.attributes[MeshAttr.sourceApp]).toBe('productpage');
      expect(p?.attributes[MeshAttr.destinationWorkload]).toBe('reviews-v1');
      expect(p?.attributes[MeshAttr.destinationApp]).toBe('reviews');
      expect(p?.attributes[MeshAttr.connectionSecurityPolicy]).toBe('none');
      expect(p?.resource[AGENT_RESOURCE_ATTR]).toBe('true');
    }
    expect(sink.gzipped).toBeGreaterThan(0);
    // Metrics are never sampled: the unsampled B3 request above is counted on both sides.
    const total = (name: string) =>
      sink.points.filter((p) => p.name === name).reduce((s, p) => s + p.count, 0);
    await sink.until(() => total(SERVER_DURATION_METRIC) >= app.hits);
    expect(total(SERVER_DURATION_METRIC)).toBe(app.hits);
  });

  it('serves Istio-named Prometheus metrics on the admin port', async () => {
    const r = await request(outbound.ports.admin, { path: '/metrics' });
    expect(r.body).toMatch(
      /istio_requests_total\{reporter="source",source_workload="productpage-v1",.*destination_workload="reviews-v1".*response_code="200".*\} \d+/,
    );
    expect(r.body).toContain('istio_request_duration_milliseconds_bucket{');
    const ib = await request(inbound.ports.admin, { path: '/metrics' });
    expect(ib.body).toMatch(/istio_requests_total\{reporter="destination",source_workload="productpage-v1"/);
  });

  it('reports a request no endpoint could be connected to (503 UF) with the destination workload unknown', async () => {
    // As Istio does without the callee's peer metadata; it is also how the read side knows that no inbound
    // agent counted the request, so that the callee's error rate includes it.
    const r = await request(outbound.ports.outbound, { host: 'ratings:80', path: '/' });
    expect(r.status).toBe(503);
    const isUf = (p: (typeof sink.points)[number]) =>
      p.name === CLIENT_DURATION_METRIC &&
      p.attributes[MeshAttr.destinationService] === 'ratings.default.svc.cluster.local';
    await sink.until(() => sink.points.some(isUf));
    const point = sink.points.find(isUf);
    expect(point?.attributes).toMatchObject({
      [MeshAttr.responseCode]: '503',
      [MeshAttr.responseFlags]: 'URX,UF', // the mesh default retried the connection, as Envoy does
      [MeshAttr.destinationWorkload]: 'unknown',
      [MeshAttr.sourceWorkload]: 'productpage-v1',
    });
    const m = await request(outbound.ports.admin, { path: '/metrics' });
    const line = m.body
      .split('\n')
      .find((l) => l.startsWith('istio_requests_total{') && l.includes('destination_service="ratings.'));
    expect(line).toContain('destination_workload="unknown"');
    expect(line).toContain('response_flags="URX,UF"');
  });
});

describe('with the collector down', () => {
  it('fails no request; the bounded span queue drops the oldest instead of growing', async () => {
    const app = await startBackend('app');
    const dead = await new OtlpSink().start();
    const url = dead.url;
    await dead.close();
    const dir = tempDir();
    const mesh = writeFile(
      dir,
      'mesh.yaml',
      serviceEntry('app.default.svc.cluster.local', [{ port: app.port }]),
    );
    const agent = await startAgent(
      parseAgentConfig({
        identity: { workload: 'client' },
        listeners: { outboundPort: 0, adminPort: 0 },
        meshConfigFile: mesh,
        drainTimeoutMs: 500,
        telemetry: {
          collectorUrl: url,
          metricsIntervalMs: 50,
          spanBatchDelayMs: 5,
          spanBatchSize: 8,
          maxQueueSize: 64,
          samplingRatio: 1,
        },
      }),
      { logger: silent },
    );
    const statuses: number[] = [];
    for (let i = 0; i < 300; i++)
      statuses.push((await request(agent.ports.outbound, { host: 'app', path: `/${i}` })).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const m = await request(agent.ports.admin, { path: '/metrics' });
    // The bounded queue dropped the oldest spans instead of growing.
    expect(m.body).toMatch(/meshscope_agent_spans_dropped_total [1-9]/);
    await agent.close();
    await app.close();
  });

  it('retries an export answered 503 with Retry-After, then delivers', async () => {
    const sink = await new OtlpSink().start();
    sink.failWith = [
      { status: 503, retryAfter: '0' },
      { status: 429, retryAfter: '0' },
    ];
    const app = await startBackend('app');
    const dir = tempDir();
    const mesh = writeFile(
      dir,
      'mesh.yaml',
      serviceEntry('app.default.svc.cluster.local', [{ port: app.port }]),
    );
    const agent = await startAgent(
      parseAgentConfig({
        identity: { workload: 'client' },
        listeners: { outboundPort: 0, adminPort: 0 },
        meshConfigFile: mesh,
        telemetry: { collectorUrl: sink.url, metricsIntervalMs: 60_000, spanBatchDelayMs: 5 },
      }),
      { logger: silent },
    );
    await request(agent.ports.outbound, {
      host: 'app',
      headers: { traceparent: `00-${TRACE}-${PARENT}-01` },
    });
    await sink.until(() => sink.spans.some((s) => s.traceId === TRACE));
    expect(sink.requests).toBeGreaterThanOrEqual(3);
    await agent.close();
    await app.close();
    await sink.close();
  });
});
