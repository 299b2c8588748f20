import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseAgentConfig, startAgent } from '../../src/index.js';
import {
  agentWith,
  memoryLogger,
  request,
  serviceEntry,
  startBackend,
  tempDir,
  upgradeRequest,
  writeFile,
  silent,
} from '../helpers.js';

const routeTo = (subset: string) => `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: svc }
spec:
  host: svc
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: svc }
spec:
  hosts: [svc]
  http:
    - route: [{ destination: { host: svc, subset: ${subset} } }]
`;

describe('hot reload', () => {
  it('applies a valid file without dropping a request in flight; refuses an invalid one and keeps the last good', async () => {
    let release: () => void = () => undefined;
    const v1 = await startBackend('v1', (req, res) => {
      if (req.url === '/slow') release = () => res.end('v1-slow');
      else res.end('v1');
    });
    const v2 = await startBackend('v2');
    const base = serviceEntry('svc.default.svc.cluster.local', [
      { port: v1.port, labels: { version: 'v1' } },
      { port: v2.port, labels: { version: 'v2' } },
    ]);
    const { logger, lines } = memoryLogger();
    const { agent, file } = await agentWith(base + routeTo('v1'), {}, logger);
    expect((await request(agent.ports.outbound, { host: 'svc' })).body).toBe('v1');

    const inFlight = request(agent.ports.outbound, { host: 'svc', path: '/slow' });
    for (let i = 0; i < 200 && v1.hits < 2; i++) await new Promise((r) => setTimeout(r, 5));
    const applied = once(agent.events, 'applied');
    writeFileSync(file, base + routeTo('v2'));
    await applied;
    expect((await request(agent.ports.outbound, { host: 'svc' })).body).toBe('v2');
    release();
    expect((await inFlight).body).toBe('v1-slow');

    const rejected = once(agent.events, 'rejected');
    writeFileSync(file, `${base}${routeTo('v1').replace('subset: v1 }', 'subset: v1 }, weight: -3 ')}`);
    const [event] = (await rejected) as [
      { issues: Array<{ resource: string; field: string; reason: string }> },
    ];
    expect(event.issues[0]?.resource).toBe('VirtualService default/svc');
    expect(event.issues[0]?.field).toBe('spec.http[0].route[0].weight');
    const logged = lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('config rejected'));
    expect(logged?.resource).toBe('VirtualService default/svc');
    expect(logged?.field).toBe('spec.http[0].route[0].weight');
    expect(String(logged?.reason)).toMatch(/>=\s*0|too small/i);
    expect((await request(agent.ports.outbound, { host: 'svc' })).body).toBe('v2');
    expect(agent.configVersion).toBe(2);
    await agent.close();
    await v1.close();
    await v2.close();
  });

  it('refuses a file whose YAML cannot be converted (an alias to no anchor) and keeps serving', async () => {
    // found by fuzzing: the conversion threw out of the file watcher and ended the agent's process
    const app = await startBackend('app');
    const base = serviceEntry('svc.default.svc.cluster.local', [{ port: app.port }]);
    const { agent, file } = await agentWith(base, {}, silent);
    const rejected = once(agent.events, 'rejected');
    writeFileSync(file, base + routeTo('v1').replace('host: svc,', 'host: *svc,'));
    const [event] = (await rejected) as [{ issues: Array<{ resource: string; reason: string }> }];
    expect(event.issues.map((i) => i.resource)).toEqual(['document 3']);
    expect(event.issues[0]?.reason).toMatch(/^YAML: Unresolved alias/);
    expect((await request(agent.ports.outbound, { host: 'svc' })).body).toBe('app');
    expect(agent.configVersion).toBe(1);
    await agent.close();
    await app.close();
  });

  it('reloads the static-file registry too', async () => {
    const a = await startBackend('a');
    const b = await startBackend('b');
    const dir = tempDir();
    const reg = (port: number) =>
      `services:\n  - host: svc.default.svc.cluster.local\n    endpoints: [{ address: 127.0.0.1, port: ${port} }]\n`;
    const registryFile = writeFile(dir, 'registry.yaml', reg(a.port));
    const agent = await startAgent(
      parseAgentConfig({
        identity: { workload: 'c' },
        listeners: { outboundPort: 0, adminPort: 0 },
        registryFile,
        reloadDebounceMs: 20,
        telemetry: { enabled: false },
      }),
      { logger: silent },
    );
    expect((await request(agent.ports.outbound, { host: 'svc' })).body).toBe('a');
    const applied = once(agent.events, 'applied');
    writeFileSync(registryFile, reg(b.port));
    await applied;
    expect((await request(agent.ports.outbound, { host: 'svc' })).body).toBe('b');
    await agent.close();
    await a.close();
    await b.close();
  });
});

describe('drain', () => {
  it('/shutdown stops accepting, lets the request in flight finish with Connection: close, then closes', async () => {
    let release: () => void = () => undefined;
    const app = await startBackend('app', (_req, res) => (release = () => res.end('finished')));
    const { agent } = await agentWith(serviceEntry('app.default.svc.cluster.local', [{ port: app.port }]));
    const inFlight = request(agent.ports.outbound, { host: 'app', agent: false });
    for (let i = 0; i < 200 && app.hits < 1; i++) await new Promise((r) => setTimeout(r, 5));
    const draining = once(agent.events, 'draining');
    const shut = await request(agent.ports.admin, { path: '/shutdown', method: 'POST' });
    expect(shut.status).toBe(202);
    await draining;
    expect((await request(agent.ports.admin, { path: '/ready' })).status).toBe(503);
    await expect(request(agent.ports.outbound, { host: 'app', agent: false })).rejects.toThrow();
    release();
    const r = await inFlight;
    expect(r.body).toBe('finished');
    expect(r.headers.connection).toBe('close');
    await agent.done;
    await app.close();
  });

  it('SIGTERM drains when the agent handles signals', async () => {
    const app = await startBackend('app');
    const dir = tempDir();
    const mesh = writeFile(
      dir,
      'mesh.yaml',
      serviceEntry('app.default.svc.cluster.local', [{ port: app.port }]),
    );
    const agent = await startAgent(
      parseAgentConfig({
        identity: { workload: 'c' },
        listeners: { outboundPort: 0, adminPort: 0 },
        meshConfigFile: mesh,
        telemetry: { enabled: false },
      }),
      { logger: silent, handleSignals: true },
    );
    process.emit('SIGTERM', 'SIGTERM');
    await agent.done;
    await expect(request(agent.ports.admin, { path: '/live', agent: false })).rejects.toThrow();
    await app.close();
  });

  it('GET /shutdown is refused (POST only)', async () => {
    const { agent } = await agentWith('');
    expect((await request(agent.ports.admin, { path: '/shutdown' })).status).toBe(405);
    expect((await request(agent.ports.admin, { path: '/ready' })).status).toBe(200);
    const cfg = JSON.parse((await request(agent.ports.admin, { path: '/config' })).body) as {
      version: number;
    };
    expect(cfg.version).toBe(1);
    await agent.close();
  });
});

describe('upgrade passthrough', () => {
  /**
   * `app` behind one agent hop: an inbound agent for it, an outbound agent that knows it as `<name>`, and a
   * raw connection to that outbound. `until` waits (at most 1 s) for what the connection has received.
   */
  async function throughHop(name: string, app: http.Server) {
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));
    const inbound = await startAgent(
      parseAgentConfig({
        identity: { workload: `${name}-v1` },
        listeners: { outboundPort: 0, inboundPort: 0, adminPort: 0 },
        app: { port: (app.address() as net.AddressInfo).port },
        telemetry: { enabled: false },
      }),
      { logger: silent },
    );
    const { agent } = await agentWith(
      serviceEntry(`${name}.default.svc.cluster.local`, [{ port: inbound.ports.inbound ?? 0 }]),
    );
    const sock = net.connect(agent.ports.outbound, '127.0.0.1');
    await once(sock, 'connect');
    let received = '';
    sock.on('data', (d: Buffer) => (received += d.toString()));
    return {
      sock,
      received: () => received,
      until: async (done: (text: string) => boolean) => {
        for (let i = 0; i < 200 && !done(received); i++) await new Promise((r) => setTimeout(r, 5));
      },
      close: async () => {
        sock.destroy();
        await agent.close();
        await inbound.close();
        app.closeAllConnections();
        await new Promise<void>((r) => app.close(() => r()));
      },
    };
  }

  it('tunnels a WebSocket-style upgrade through outbound → inbound → app, bytes both ways', async () => {
    const app = http.createServer((_req, res) => res.end('plain'));
    app.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\n\r\n`,
      );
      socket.on('data', (d: Buffer) => socket.write(`echo:${d.toString()}`));
      socket.on('end', () => socket.end());
    });
    const hop = await throughHop('ws', app);
    hop.sock.write('GET /chat HTTP/1.1\r\nHost: ws\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    await hop.until((t) => t.includes('\r\n\r\n'));
    expect(hop.received()).toMatch(/^HTTP\/1\.1 101/);
    hop.sock.write('hello');
    await hop.until((t) => t.includes('echo:hello'));
    expect(hop.received()).toContain('echo:hello');
    await hop.close();
  });

  it('does not tunnel Upgrade: h2c (h2c smuggling): the app gets plain HTTP/1.1 requests, the connection stays HTTP/1.1', async () => {
    // An app able to switch to HTTP/2 answers 101 to an h2c upgrade; tunnelled, every later request on the
    // connection would reach it as an HTTP/2 stream that no agent routes, authorizes or reports.
    const upgrades: string[] = [];
    const app = http.createServer((req, res) =>
      res.end(JSON.stringify({ url: req.url, headers: req.headers })),
    );
    app.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
      upgrades.push(String(req.headers.upgrade));
      socket.end('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n');
    });
    const hop = await throughHop('h2c', app);
    hop.sock.write(
      'GET /first HTTP/1.1\r\nHost: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n' +
        'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n',
    );
    await hop.until((t) => t.includes('"/first"'));
    const first = hop.received();
    expect(first).toMatch(/^HTTP\/1\.1 200 /);
    const seen = JSON.parse(first.slice(first.indexOf('{'))) as { headers: Record<string, string> };
    expect(seen.headers.upgrade).toBeUndefined();
    expect(seen.headers['http2-settings']).toBeUndefined();
    hop.sock.write('GET /second HTTP/1.1\r\nHost: h2c\r\n\r\n');
    await hop.until((t) => t.includes('"/second"'));
    expect(hop.received().split('HTTP/1.1 ').length - 1).toBe(2);
    expect(hop.received()).toContain('"/second"');
    expect(upgrades).toEqual([]);
    await hop.close();
  });
});

describe('inbound rate limit', () => {
  it('answers 429 with rate-limit headers once the inbound bucket is empty, to plain requests and upgrades alike', async () => {
    const app = await startBackend('app');
    const mesh = writeFile(
      tempDir(),
      'mesh.yaml',
      `apiVersion: meshscope.io/v1alpha1
kind: LocalRateLimit
metadata: { name: inbound }
spec: { inbound: true, tokenBucket: { maxTokens: 2, fillInterval: 1h } }
`,
    );
    const agent = await startAgent(
      parseAgentConfig({
        identity: { workload: 'app-v1' },
        listeners: { outboundPort: 0, inboundPort: 0, adminPort: 0 },
        app: { port: app.port },
        meshConfigFile: mesh,
        telemetry: { enabled: false },
      }),
      { logger: silent },
    );
    const port = agent.ports.inbound ?? 0;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await request(port, { host: 'app' })).status);
    expect(statuses).toEqual([200, 200, 429]);
    const up = await upgradeRequest(port, { host: 'app', path: '/' });
    expect(up.status).toBe(429);
    expect(up.text).toMatch(/\r\nx-ratelimit-limit: 2\r\n/);
    expect(up.text).toMatch(/\r\nretry-after: \d+\r\n/);
    expect(app.hits).toBe(2);
    await agent.close();
    await app.close();
  });
});
