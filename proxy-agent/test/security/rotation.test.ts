import { appendFileSync, copyFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type CaServer, startCaServer } from '../../src/identity/ca-server.js';
import { createToken } from '../../src/identity/tokens.js';
import { type AgentConfigInput, type AgentHandle, parseAgentConfig, startAgent } from '../../src/index.js';
import { type Backend, memoryLogger, request, silent, startBackend, tempDir, writeFile } from '../helpers.js';
import { meshServiceEntry, newCa, spiffe, workloadFiles } from './pki.js';

const HOST = 'reviews.default.svc.cluster.local';

/** Requests through `port` from `concurrency` loops until `stop()` says so (or 20 s pass). */
async function load(
  port: number,
  concurrency: number,
  stop: () => boolean,
): Promise<{ ok: number; failed: Array<string> }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const result = { ok: 0, failed: [] as string[] };
  const deadline = Date.now() + 20_000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!stop() && Date.now() < deadline) {
        try {
          const r = await request(port, { host: 'reviews', agent });
          if (r.status === 200) result.ok++;
          else result.failed.push(`${r.status} ${r.body}`);
        } catch (e) {
          result.failed.push((e as Error).message);
        }
      }
    }),
  );
  agent.destroy();
  return result;
}

function agentConfig(over: Partial<AgentConfigInput>): AgentConfigInput {
  return {
    identity: { workload: 'x', serviceAccount: 'x' },
    listeners: { outboundPort: 0, inboundPort: 0, adminPort: 0 },
    telemetry: { enabled: false },
    reloadDebounceMs: 20,
    ...over,
  };
}

describe('certificate rotation', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function pair(
    serverTls: NonNullable<AgentConfigInput['tls']>,
    clientTls: NonNullable<AgentConfigInput['tls']>,
  ) {
    const app: Backend = await startBackend('reviews');
    const serverLog = memoryLogger();
    const clientLog = memoryLogger();
    const server = await startAgent(
      parseAgentConfig(
        agentConfig({
          identity: { workload: 'reviews-v1', app: 'reviews', serviceAccount: 'reviews' },
          app: { port: app.port },
          tls: serverTls,
        }),
      ),
      { logger: serverLog.logger },
    );
    const mesh = writeFile(
      tempDir(),
      'mesh.yaml',
      meshServiceEntry(HOST, [{ port: server.ports.inbound ?? 0, serviceAccount: 'reviews' }]),
    );
    const client: AgentHandle = await startAgent(
      parseAgentConfig(
        agentConfig({
          identity: { workload: 'productpage-v1', app: 'productpage', serviceAccount: 'productpage' },
          meshConfigFile: mesh,
          tls: clientTls,
        }),
      ),
      { logger: clientLog.logger },
    );
    cleanup.push(async () => {
      await client.close();
      await server.close();
      await app.close();
    });
    return { server, client, serverLog, clientLog };
  }

  it('renews from the CA at two thirds of the lifetime under continuous load, failing no request', async () => {
    const ca = await newCa();
    const caServer: CaServer = await startCaServer({
      ca,
      host: '127.0.0.1',
      port: 0,
      maxTtlMs: 1500,
      log: silent,
    });
    cleanup.push(() => caServer.close());
    const tokenFile = async (sa: string) =>
      writeFile(tempDir(), 'token', await createToken(ca.dir, spiffe(sa)));
    const bundleFile = join(ca.dir, 'root-cert.pem');
    const { client, serverLog, clientLog } = await pair(
      { bundleFile, caUrl: caServer.url, tokenFile: await tokenFile('reviews') },
      { bundleFile, caUrl: caServer.url, tokenFile: await tokenFile('productpage') },
    );
    const renewed = (lines: Array<Record<string, unknown>>) =>
      lines.filter((l) => l.msg === 'workload certificate in use' && l.why === 'renewed').length;
    const started = Date.now();
    const r = await load(
      client.ports.outbound,
      8,
      () => renewed(serverLog.lines) >= 3 && renewed(clientLog.lines) >= 3,
    );
    const elapsedMs = Date.now() - started;
    expect(r.failed).toEqual([]);
    expect(renewed(serverLog.lines)).toBeGreaterThanOrEqual(3);
    expect(renewed(clientLog.lines)).toBeGreaterThanOrEqual(3);
    // 1.5 s leaves renewed at ~1 s: three renewals take ~3 s, not the 4.5 s of waiting for expiry
    expect(elapsedMs).toBeLessThan(4200);
    expect(r.ok).toBeGreaterThan(100);
    expect(caServer.stats.issued).toBeGreaterThanOrEqual(8);
  });

  it('rotates the trust anchor with overlap: new root added to bundles, then leaves from the new CA', async () => {
    const oldCa = await newCa();
    const newRoot = await newCa();
    const serverFiles = await workloadFiles(oldCa, spiffe('reviews'));
    const clientFiles = await workloadFiles(oldCa, spiffe('productpage'));
    const { client, serverLog, clientLog } = await pair(serverFiles, clientFiles);
    let phase = 0;
    const running = load(client.ports.outbound, 4, () => phase === 3);
    const settle = () => new Promise((r) => setTimeout(r, 300));
    await settle();
    // 1. both bundles trust both roots
    for (const f of [serverFiles, clientFiles]) appendFileSync(f.bundleFile, await newRoot.bundlePem());
    phase = 1;
    await settle();
    // 2. leaves from the new CA (written by rename, as `meshscope ca issue` does)
    const fresh = {
      server: await workloadFiles(newRoot, spiffe('reviews')),
      client: await workloadFiles(newRoot, spiffe('productpage')),
    };
    for (const [dst, src] of [
      [serverFiles, fresh.server],
      [clientFiles, fresh.client],
    ] as const) {
      copyFileSync(src.keyFile, `${dst.keyFile}.new`);
      copyFileSync(src.certFile, `${dst.certFile}.new`);
      renameSync(`${dst.keyFile}.new`, dst.keyFile);
      renameSync(`${dst.certFile}.new`, dst.certFile);
    }
    phase = 2;
    await settle();
    // 3. the old root leaves the bundles
    for (const f of [serverFiles, clientFiles]) writeFileSync(f.bundleFile, await newRoot.bundlePem());
    await settle();
    phase = 3;
    const r = await running;
    expect(r.failed).toEqual([]);
    expect(r.ok).toBeGreaterThan(50);
    // new connections now chain to the new root only
    const after = await request(client.ports.outbound, { host: 'reviews', agent: false });
    expect(after.status).toBe(200);
    const swaps = (lines: Array<Record<string, unknown>>) =>
      lines.filter((l) => l.msg === 'workload certificate in use' && l.why === 'files changed').length;
    // bundle + leaf + bundle: at least three swaps on each side
    expect(swaps(serverLog.lines)).toBeGreaterThanOrEqual(3);
    expect(swaps(clientLog.lines)).toBeGreaterThanOrEqual(3);
  });
});
