import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshCa } from '../../src/identity/ca.js';
import { type AgentConfigInput, type AgentHandle, parseAgentConfig, startAgent } from '../../src/index.js';
import { OtlpSink } from '../otlp-sink.js';
import {
  type Backend,
  memoryLogger,
  request,
  startBackend,
  tempDir,
  upgradeRequest,
  writeFile,
} from '../helpers.js';
import { meshServiceEntry, newCa, spiffe, type WorkloadFiles, workloadFiles } from './pki.js';

const HOST = 'reviews.default.svc.cluster.local';
const pa = (mode: string) =>
  `---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: { name: default, namespace: default }\nspec: { mtls: { mode: ${mode} } }\n`;

const POLICIES = `---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: reviews-readers, namespace: default }
spec:
  selector: { matchLabels: { app: reviews } }
  rules:
    - from: [{ source: { principals: ["cluster.local/ns/default/sa/productpage"] } }]
      to: [{ operation: { methods: [GET, POST, DELETE], paths: ["/reviews/*"] } }]
    - to: [{ operation: { paths: ["/health"] } }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: no-deletes, namespace: default }
spec:
  action: DENY
  rules: [{ to: [{ operation: { methods: [DELETE] } }] }]
`;

describe('PeerAuthentication and AuthorizationPolicy on a live agent', () => {
  let ca: MeshCa;
  let app: Backend;
  let sink: OtlpSink;
  let server: AgentHandle;
  const clients: Record<string, AgentHandle> = {};
  const clientFiles: Record<string, WorkloadFiles> = {};
  const serverLog = memoryLogger();
  const serverMesh = writeFile(tempDir(), 'mesh.yaml', '');

  async function apply(yaml: string): Promise<void> {
    const applied = new Promise((r) => server.events.once('applied', r));
    writeFileSync(serverMesh, yaml);
    await applied;
  }
  const metrics = async (a: AgentHandle) => (await request(a.ports.admin, { path: '/metrics' })).body;
  const base = (over: Partial<AgentConfigInput>): AgentConfigInput => ({
    identity: { workload: 'w' },
    listeners: { outboundPort: 0, inboundPort: 0, adminPort: 0 },
    telemetry: { enabled: false },
    reloadDebounceMs: 20,
    ...over,
  });

  beforeAll(async () => {
    ca = await newCa();
    sink = await new OtlpSink().start();
    app = await startBackend('reviews');
    server = await startAgent(
      parseAgentConfig(
        base({
          identity: { workload: 'reviews-v1', app: 'reviews', serviceAccount: 'reviews', service: HOST },
          app: { port: app.port },
          meshConfigFile: serverMesh,
          tls: await workloadFiles(ca, spiffe('reviews')),
          telemetry: {
            collectorUrl: sink.url,
            samplingRatio: 1,
            spanBatchDelayMs: 20,
            metricsIntervalMs: 60_000,
          },
        }),
      ),
      { logger: serverLog.logger },
    );
    const mesh = writeFile(
      tempDir(),
      'mesh.yaml',
      meshServiceEntry(HOST, [{ port: server.ports.inbound ?? 0, serviceAccount: 'reviews' }]),
    );
    for (const sa of ['productpage', 'ratings', 'plaintext']) {
      clients[sa] = await startAgent(
        parseAgentConfig(
          base({
            identity: { workload: `${sa}-v1`, app: sa, serviceAccount: sa },
            meshConfigFile: mesh,
            tls: sa === 'plaintext' ? undefined : (clientFiles[sa] = await workloadFiles(ca, spiffe(sa))),
            telemetry: {
              collectorUrl: sink.url,
              samplingRatio: 1,
              spanBatchDelayMs: 20,
              metricsIntervalMs: 60_000,
            },
          }),
        ),
        { logger: memoryLogger().logger },
      );
    }
  });
  afterAll(async () => {
    for (const c of Object.values(clients)) await c.close();
    await server.close();
    await app.close();
    await sink.close();
  });

  const via = (sa: string, path = '/reviews/1', method = 'GET') =>
    request(clients[sa]!.ports.outbound, { host: 'reviews', path, method });

  it('STRICT refuses plaintext (log line and metric) and still serves mTLS callers', async () => {
    await apply(pa('STRICT'));
    expect((await via('productpage')).status).toBe(200);
    await expect(request(server.ports.inbound ?? 0, { host: 'reviews', agent: false })).rejects.toThrow();
    expect((await via('plaintext')).status).toBe(503);
    expect(
      serverLog.lines.some((l) => l.msg === 'mTLS: inbound connection refused: plaintext_under_strict'),
    ).toBe(true);
    expect(await metrics(server)).toMatch(
      /meshscope_agent_mtls_refused_total\{direction="inbound",reason="plaintext_under_strict"\} [2-9]/,
    );
  });

  it('PERMISSIVE serves both; DISABLE refuses TLS', async () => {
    await apply(pa('PERMISSIVE'));
    expect((await via('plaintext')).status).toBe(200);
    expect((await via('productpage')).status).toBe(200);
    await apply(pa('DISABLE'));
    expect((await via('plaintext')).status).toBe(200);
    expect((await via('productpage', '/reviews/2')).status).toBe(503);
    expect(await metrics(server)).toMatch(
      /meshscope_agent_mtls_refused_total\{direction="inbound",reason="tls_under_disable"\} [1-9]/,
    );
  });

  it('allow/deny matrix: 403 "RBAC: access denied", counted per policy and on the SERVER span', async () => {
    await apply(pa('PERMISSIVE') + POLICIES);
    const matrix: Array<[string, string, string, number]> = [
      ['productpage', 'GET', '/reviews/1', 200],
      ['productpage', 'POST', '/reviews/1', 200],
      ['productpage', 'DELETE', '/reviews/1', 403], // DENY wins over the ALLOW that matches
      ['productpage', 'GET', '/ratings/1', 403], // no ALLOW rule matches
      ['ratings', 'GET', '/reviews/1', 403], // principal not allowed
      ['ratings', 'GET', '/health', 200], // the rule without `from`
      ['plaintext', 'GET', '/reviews/1', 403], // no principal without mTLS
      ['plaintext', 'GET', '/health', 200],
    ];
    for (const [sa, method, path, status] of matrix) {
      const r = await via(sa, path, method);
      expect({ sa, method, path, status: r.status }).toEqual({ sa, method, path, status });
      if (status === 403) expect(r.body).toBe('RBAC: access denied');
    }
    const m = await metrics(server);
    expect(m).toMatch(/meshscope_agent_authz_total\{action="deny",policy="default\/no-deletes"\} 1/);
    expect(m).toMatch(/meshscope_agent_authz_total\{action="deny",policy="no ALLOW policy matched"\} 3/);
    expect(m).toMatch(
      new RegExp(
        `istio_requests_total\\{reporter="destination"[^}]*source_principal="${spiffe('ratings')}"[^}]*response_code="403"`,
      ),
    );
    await sink.until(
      () => sink.spans.filter((s) => s.attributes['meshscope.authz.denied_by'] !== undefined).length >= 4,
    );
    const denied = sink.spans.find((s) => s.attributes['meshscope.authz.denied_by'] === 'default/no-deletes');
    expect(denied?.kind).toBe(2);
    expect(denied?.attributes).toMatchObject({
      'http.response.status_code': 403,
      source_principal: spiffe('productpage'),
      destination_principal: spiffe('reviews'),
      connection_security_policy: 'mutual_tls',
    });
    // the caller's CLIENT span of the same request names both principals too
    await sink.until(() => sink.spans.some((s) => s.kind === 3 && s.traceId === denied?.traceId));
    const client = sink.spans.find((s) => s.kind === 3 && s.traceId === denied?.traceId);
    expect(client?.attributes).toMatchObject({
      source_principal: spiffe('productpage'),
      destination_principal: spiffe('reviews'),
      connection_security_policy: 'mutual_tls',
    });
  });

  it('an Upgrade header takes no request past the policies: 403 before the app, as for a plain request', async () => {
    // An app that does not speak the protocol asked for serves the request as a plain one (node:http,
    // Go's net/http): tunnelled unchecked, a denied request got its answer.
    await apply(pa('PERMISSIVE') + POLICIES);
    const hits = app.hits;
    const up = (sa: string, method: string, path: string) =>
      upgradeRequest(clients[sa]!.ports.outbound, { host: 'reviews', method, path });
    const ratings = await up('ratings', 'GET', '/reviews/1'); // principal not allowed
    expect(ratings.status).toBe(403);
    expect(ratings.text).toMatch(/\r\n\r\nRBAC: access denied$/);
    expect((await up('productpage', 'DELETE', '/reviews/1')).status).toBe(403); // the DENY policy
    expect((await up('plaintext', 'GET', '/reviews/1')).status).toBe(403); // no principal without mTLS
    expect(app.hits).toBe(hits);
    // an allowed one reaches the app, which answers it as a plain request
    expect((await up('productpage', 'GET', '/reviews/1')).status).toBe(200);
    expect(app.hits).toBe(hits + 1);
    expect(await metrics(server)).toMatch(
      new RegExp(
        `istio_requests_total\\{reporter="destination"[^}]*source_principal="${spiffe('ratings')}"[^}]*response_code="403"`,
      ),
    );
  });

  it("judges and forwards the normalized path (Istio's default): dot segments and escapes take nothing past a policy", async () => {
    await apply(pa('PERMISSIVE') + POLICIES);
    // productpage may only reach /reviews/*: each of these is /ratings/1 once normalized, and an app that
    // resolves dot segments (Go, Java, nginx) would serve /ratings/1
    for (const path of [
      '/reviews/../ratings/1',
      '/reviews/%2e%2e/ratings/1',
      '/reviews\\..\\ratings/1',
      '/reviews/./../ratings/1',
    ]) {
      const r = await via('productpage', path);
      expect({ path, status: r.status }).toEqual({ path, status: 403 });
    }
    const hits = app.hits;
    expect((await via('productpage', '/reviews/./%31?x=/../y')).status).toBe(200);
    expect(app.hits).toBe(hits + 1);
    expect(app.requests.at(-1)?.url).toBe('/reviews/1?x=/../y');
    // an absolute-form target straight to the inbound port is judged, and forwarded, by its path
    const direct = await request(server.ports.inbound ?? 0, {
      host: 'reviews',
      path: 'http://reviews/health',
      agent: false,
    });
    expect(direct.status).toBe(200);
    expect(app.requests.at(-1)?.url).toBe('/health');
    const nul = await via('productpage', '/reviews/%00');
    expect(nul.status).toBe(400);
    expect(nul.body).toMatch(/^invalid request target: .*%00/);
  });

  it("tells the app the caller's verified identity in x-forwarded-client-cert, and never one a caller wrote", async () => {
    // Istio's sidecars: the outbound drops the app's XFCC (SANITIZE), the inbound appends this hop's
    // element over mTLS (APPEND_FORWARD) and drops the header over plaintext.
    await apply(pa('PERMISSIVE'));
    const forged =
      'By=spiffe://cluster.local/ns/default/sa/reviews;URI=spiffe://cluster.local/ns/default/sa/admin';
    const sent = (sa: string) =>
      request(clients[sa]!.ports.outbound, {
        host: 'reviews',
        path: '/reviews/1',
        headers: { 'x-forwarded-client-cert': forged },
      });
    expect((await sent('productpage')).status).toBe(200);
    const der = new X509Certificate(readFileSync(clientFiles.productpage!.certFile)).raw;
    const hash = createHash('sha256').update(der).digest('hex');
    expect(app.requests.at(-1)?.headers['x-forwarded-client-cert']).toBe(
      `By=${spiffe('reviews')};Hash=${hash};Subject="O=cluster.local";URI=${spiffe('productpage')}`,
    );
    expect((await sent('plaintext')).status).toBe(200);
    expect(app.requests.at(-1)?.headers['x-forwarded-client-cert']).toBeUndefined();
    // straight to the inbound port over plaintext, the forged header goes nowhere either
    const direct = await request(server.ports.inbound ?? 0, {
      host: 'reviews',
      path: '/health',
      agent: false,
      headers: { 'x-forwarded-client-cert': forged },
    });
    expect(direct.status).toBe(200);
    expect(app.requests.at(-1)?.headers['x-forwarded-client-cert']).toBeUndefined();
  });

  it('applies a reload to STRICT to upgrades on a plaintext connection kept alive from before, as to requests', async () => {
    await apply(pa('PERMISSIVE'));
    const sock = net.connect(server.ports.inbound ?? 0, '127.0.0.1');
    sock.on('error', () => {});
    let text = '';
    sock.on('data', (d: Buffer) => (text += d.toString('latin1')));
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.write('GET /health HTTP/1.1\r\nHost: reviews\r\n\r\n');
    for (let i = 0; i < 200 && !text.includes('\r\n\r\n'); i++) await new Promise((r) => setTimeout(r, 5));
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    await apply(pa('STRICT'));
    const hits = app.hits;
    const before = text.length;
    sock.write('GET /health HTTP/1.1\r\nHost: reviews\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    await closed;
    expect(text.slice(before)).toBe('');
    expect(app.hits).toBe(hits);
  });
});
