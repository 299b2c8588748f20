import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshCa } from '../../src/identity/ca.js';
import type { AgentHandle } from '../../src/index.js';
import { parseAgentConfig, startAgent } from '../../src/index.js';
import { type Backend, memoryLogger, request, startBackend, tempDir, writeFile } from '../helpers.js';
import { meshServiceEntry, newCa, spiffe, type WorkloadFiles, workloadFiles } from './pki.js';

const HOST = 'reviews.default.svc.cluster.local';

function run(
  cmd: string,
  args: string[],
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: 10_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}

async function metricsOf(agent: AgentHandle): Promise<string> {
  return (await request(agent.ports.admin, { path: '/metrics' })).body;
}

/** A TLS handshake + one request straight to an inbound listener, as an outside client would. */
function tlsGet(port: number, files: { cert: string; key: string; ca: string }): Promise<string> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, ...files, checkServerIdentity: () => undefined });
    let out = '';
    s.on('secureConnect', () => s.write('GET / HTTP/1.1\r\nhost: reviews\r\nconnection: close\r\n\r\n'));
    s.on('data', (d: Buffer) => (out += d.toString()));
    s.on('error', (e: Error) => resolve(`error: ${e.message}`));
    s.on('close', () => resolve(out || 'closed'));
  });
}

describe('mTLS between agents', () => {
  let ca: MeshCa;
  let app: Backend;
  let server: AgentHandle;
  let client: AgentHandle;
  let serverFiles: WorkloadFiles;
  let clientFiles: WorkloadFiles;
  const serverLog = memoryLogger();
  const clientLog = memoryLogger();
  const meshFile = writeFile(tempDir(), 'mesh.yaml', '');

  beforeAll(async () => {
    ca = await newCa();
    serverFiles = await workloadFiles(ca, spiffe('reviews'));
    clientFiles = await workloadFiles(ca, spiffe('productpage'));
    app = await startBackend('reviews-app', (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`hello ${req.headers['x-meshscope-peer'] === undefined ? 'stripped' : 'leaked'}`);
    });
    server = await startAgent(
      parseAgentConfig({
        identity: {
          workload: 'reviews-v1',
          app: 'reviews',
          version: 'v1',
          serviceAccount: 'reviews',
          service: HOST,
        },
        listeners: { outboundPort: 0, inboundPort: 0, adminPort: 0 },
        app: { port: app.port },
        telemetry: { enabled: false },
        tls: serverFiles,
      }),
      { logger: serverLog.logger },
    );
    writeFile(tempDir(), 'unused', '');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      meshFile,
      meshServiceEntry(HOST, [{ port: server.ports.inbound ?? 0, serviceAccount: 'reviews' }]),
    );
    client = await startAgent(
      parseAgentConfig({
        identity: {
          workload: 'productpage-v1',
          app: 'productpage',
          version: 'v1',
          serviceAccount: 'productpage',
        },
        listeners: { outboundPort: 0, inboundPort: 0, adminPort: 0 },
        meshConfigFile: meshFile,
        reloadDebounceMs: 20,
        telemetry: { enabled: false },
        tls: clientFiles,
      }),
      { logger: clientLog.logger },
    );
  });
  afterAll(async () => {
    await client.close();
    await server.close();
    await app.close();
  });

  it('carries a request over mTLS; both ends report mutual_tls and both principals', async () => {
    const r = await request(client.ports.outbound, { host: 'reviews' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('hello stripped');
    const both = `source_principal="${spiffe('productpage')}"`;
    const dest = `destination_principal="${spiffe('reviews')}"`;
    const src = await metricsOf(client);
    expect(src).toMatch(
      new RegExp(
        `istio_requests_total\\{reporter="source".*${both}.*${dest}.*connection_security_policy="mutual_tls"`,
      ),
    );
    const dst = await metricsOf(server);
    expect(dst).toMatch(
      new RegExp(
        `istio_requests_total\\{reporter="destination".*${both}.*${dest}.*connection_security_policy="mutual_tls"`,
      ),
    );
  });

  it('PERMISSIVE (the default) also serves plaintext, recorded as none with unknown principals', async () => {
    const r = await request(server.ports.inbound ?? 0, { host: 'reviews' });
    expect(r.status).toBe(200);
    expect(await metricsOf(server)).toMatch(
      /istio_requests_total\{reporter="destination"[^}]*source_principal="unknown"[^}]*connection_security_policy="none"/,
    );
  });

  it('the caller refuses a callee whose SPIFFE ID is not the one declared for the destination', async () => {
    const applied = new Promise((r) => client.events.once('applied', r));
    writeFileSync(
      meshFile,
      meshServiceEntry(HOST, [{ port: server.ports.inbound ?? 0, serviceAccount: 'ratings' }]),
    );
    await applied;
    const r = await request(client.ports.outbound, { host: 'reviews' });
    expect(r.status).toBe(503);
    expect(r.body).toContain('TLS error: unexpected_spiffe_id');
    expect(r.body).toContain(`peer presented ${spiffe('reviews')}, expected ${spiffe('ratings')}`);
    expect(
      clientLog.lines.some((l) => l.msg === 'mTLS: outbound connection refused: unexpected_spiffe_id'),
    ).toBe(true);
    expect(await metricsOf(client)).toMatch(
      /meshscope_agent_mtls_refused_total\{direction="outbound",reason="unexpected_spiffe_id"\} [1-9]/,
    );
    const back = new Promise((r) => client.events.once('applied', r));
    writeFileSync(
      meshFile,
      meshServiceEntry(HOST, [{ port: server.ports.inbound ?? 0, serviceAccount: 'reviews' }]),
    );
    await back;
    expect((await request(client.ports.outbound, { host: 'reviews' })).status).toBe(200);
  });

  it('new upstream connections resume the TLS session, and the callee still knows the caller', async () => {
    const before = await metricsOf(server);
    const refusedOutbound = (m: string) =>
      [...m.matchAll(/meshscope_agent_mtls_refused_total\{direction="outbound"[^}]*\} (\d+)/g)].reduce(
        (sum, x) => sum + Number(x[1]),
        0,
      );
    const refusedBefore = refusedOutbound(await metricsOf(client));
    const count = (m: string) =>
      Number(
        new RegExp(
          `istio_requests_total\\{reporter="destination"[^}]*source_principal="${spiffe('productpage')}"[^}]*connection_security_policy="mutual_tls"[^}]*\\} (\\d+)`,
        ).exec(m)?.[1] ?? 0,
      );
    const applied = new Promise((r) => client.events.once('applied', r));
    writeFileSync(
      meshFile,
      meshServiceEntry(HOST, [{ port: server.ports.inbound ?? 0, serviceAccount: 'reviews' }]) +
        `---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: reviews }\nspec:\n  host: reviews\n  trafficPolicy: { connectionPool: { http: { maxRequestsPerConnection: 1 } } }\n`,
    );
    await applied;
    for (let i = 0; i < 20; i++)
      expect((await request(client.ports.outbound, { host: 'reviews' })).status).toBe(200);
    const m = await metricsOf(client);
    const resumed = Number(/meshscope_agent_mtls_handshakes_total\{resumed="true"\} (\d+)/.exec(m)?.[1]);
    expect(resumed).toBeGreaterThanOrEqual(15);
    // a resumed session is accepted as the identity verified when it was made: nothing refused, no retries
    expect(refusedOutbound(m)).toBe(refusedBefore);
    expect(count(await metricsOf(server)) - count(before)).toBe(20);
    const back = new Promise((r) => client.events.once('applied', r));
    writeFileSync(
      meshFile,
      meshServiceEntry(HOST, [{ port: server.ports.inbound ?? 0, serviceAccount: 'reviews' }]),
    );
    await back;
  });

  it('DestinationRule tls.mode DISABLE sends plaintext to that destination', async () => {
    const applied = new Promise((r) => client.events.once('applied', r));
    writeFileSync(
      meshFile,
      meshServiceEntry(HOST, [{ port: server.ports.inbound ?? 0, serviceAccount: 'reviews' }]) +
        `---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: reviews }\nspec:\n  host: reviews\n  trafficPolicy: { tls: { mode: DISABLE } }\n`,
    );
    await applied;
    expect((await request(client.ports.outbound, { host: 'reviews', path: '/plain' })).status).toBe(200);
    expect(await metricsOf(client)).toMatch(
      /istio_requests_total\{reporter="source"[^}]*source_principal="unknown"[^}]*destination_principal="unknown"[^}]*connection_security_policy="none"/,
    );
    expect(await metricsOf(server)).toMatch(
      /istio_requests_total\{reporter="destination",source_workload="productpage-v1"[^}]*connection_security_policy="none"/,
    );
    const back = new Promise((r) => client.events.once('applied', r));
    writeFileSync(
      meshFile,
      meshServiceEntry(HOST, [{ port: server.ports.inbound ?? 0, serviceAccount: 'reviews' }]),
    );
    await back;
  });

  it('a caller that does not trust the callee CA refuses it, saying why', async () => {
    const other = await newCa();
    const log = memoryLogger();
    const stranger = await startAgent(
      parseAgentConfig({
        identity: { workload: 'stranger-v1', serviceAccount: 'productpage' },
        listeners: { outboundPort: 0, inboundPort: 0, adminPort: 0 },
        meshConfigFile: meshFile,
        telemetry: { enabled: false },
        tls: await workloadFiles(other, spiffe('productpage')),
      }),
      { logger: log.logger },
    );
    try {
      const r = await request(stranger.ports.outbound, { host: 'reviews', agent: false });
      expect(r.status).toBe(503);
      expect(r.body).toContain('TLS error: untrusted_certificate');
      expect(
        log.lines.some((l) => l.msg === 'mTLS: outbound connection refused: untrusted_certificate'),
      ).toBe(true);
      expect(await metricsOf(stranger)).toMatch(
        /meshscope_agent_mtls_refused_total\{direction="outbound",reason="untrusted_certificate"\} [1-9]/,
      );
    } finally {
      await stranger.close();
    }
  });

  it('a connection reset before its first byte does not take the listener down', async () => {
    const inbound = server.ports.inbound ?? 0;
    await Promise.all(
      Array.from(
        { length: 20 },
        () =>
          new Promise<void>((resolve) => {
            const s = net.connect({ host: '127.0.0.1', port: inbound }, () => s.resetAndDestroy());
            s.on('error', () => undefined);
            s.on('close', () => resolve());
          }),
      ),
    );
    expect((await request(client.ports.outbound, { host: 'reviews', agent: false })).status).toBe(200);
    expect((await request(inbound, { host: 'reviews', agent: false })).status).toBe(200);
  });

  it('the callee refuses a certificate from another CA and an expired one, saying why', async () => {
    const inbound = server.ports.inbound ?? 0;
    const other = await newCa();
    const foreign = await workloadFiles(other, spiffe('productpage'));
    const out1 = await tlsGet(inbound, {
      cert: readFileSync(foreign.certFile, 'utf8'),
      key: readFileSync(foreign.keyFile, 'utf8'),
      ca: readFileSync(serverFiles.bundleFile, 'utf8'),
    });
    expect(out1).not.toContain('200 OK');
    const expired = await workloadFiles(ca, spiffe('productpage'), {
      notBefore: new Date(Date.now() - 7_200_000),
      notAfter: new Date(Date.now() - 3_600_000),
    });
    const out2 = await tlsGet(inbound, {
      cert: readFileSync(expired.certFile, 'utf8'),
      key: readFileSync(expired.keyFile, 'utf8'),
      ca: readFileSync(serverFiles.bundleFile, 'utf8'),
    });
    expect(out2).not.toContain('200 OK');
    const reasons = serverLog.lines.filter((l) => l.direction === 'inbound').map((l) => l.reason);
    expect(reasons).toContain('untrusted_certificate');
    expect(reasons).toContain('expired_certificate');
    const m = await metricsOf(server);
    expect(m).toMatch(
      /meshscope_agent_mtls_refused_total\{direction="inbound",reason="untrusted_certificate"\} 1/,
    );
    expect(m).toMatch(
      /meshscope_agent_mtls_refused_total\{direction="inbound",reason="expired_certificate"\} 1/,
    );
  });

  it('openssl s_client and curl --cert are served as mTLS callers; without a client certificate they are refused', async () => {
    const inbound = String(server.ports.inbound ?? 0);
    const ok = await run(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${inbound}`,
        '-CAfile',
        serverFiles.bundleFile,
        '-cert',
        clientFiles.certFile,
        '-key',
        clientFiles.keyFile,
        // s_client sends only the leaf unless told to send the chain too
        '-cert_chain',
        clientFiles.certFile,
        '-verify_return_error',
        '-quiet',
        '-ign_eof',
        '-tls1_3',
      ],
      'GET / HTTP/1.1\r\nhost: reviews\r\nconnection: close\r\n\r\n',
    );
    expect(ok.stdout).toContain('HTTP/1.1 200 OK');
    expect(ok.stdout).toContain('hello stripped');
    const noCert = await run(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${inbound}`, '-CAfile', serverFiles.bundleFile, '-quiet'],
      'GET / HTTP/1.1\r\nhost: reviews\r\nconnection: close\r\n\r\n',
    );
    expect(noCert.stdout).not.toContain('200 OK');
    expect(serverLog.lines.some((l) => l.reason === 'no_client_certificate')).toBe(true);
    // curl checks the host name against the server certificate, and workload certificates carry only a
    // SPIFFE ID; curl has no switch that skips just the name check, so -k plus a pinned server key.
    const pin = await run('sh', [
      '-c',
      `openssl x509 -in ${serverFiles.certFile} -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`,
    ]);
    const curl = await run('curl', [
      '-sS',
      '--max-time',
      '5',
      '-k',
      '--pinnedpubkey',
      `sha256//${pin.stdout.trim()}`,
      '--cert',
      clientFiles.certFile,
      '--key',
      clientFiles.keyFile,
      `https://127.0.0.1:${inbound}/`,
      '-H',
      'host: reviews',
    ]);
    expect(curl.stdout).toBe('hello stripped');
    const curlNoCert = await run('curl', ['-sS', '--max-time', '5', '-k', `https://127.0.0.1:${inbound}/`]);
    expect(curlNoCert.code).not.toBe(0);
  });
});
