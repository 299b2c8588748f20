/** Test fixtures: real HTTP servers and agents on 127.0.0.1, and a logger whose lines tests can read. */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { type AgentConfigInput, type AgentHandle, parseAgentConfig, startAgent } from '../src/index.js';

export interface Backend {
  port: number;
  hits: number;
  requests: http.IncomingMessage[];
  bodies: string[];
  close(): Promise<void>;
  server: http.Server;
}

/** A backend that records what it received; `handler` answers (default: 200 with `name`). */
export async function startBackend(
  name: string,
  handler?: (req: http.IncomingMessage, res: http.ServerResponse, body: string, b: Backend) => void,
): Promise<Backend> {
  const b: Backend = {
    port: 0,
    hits: 0,
    requests: [],
    bodies: [],
    server: undefined as unknown as http.Server,
    close: () =>
      new Promise<void>((r) => {
        b.server.closeAllConnections();
        b.server.close(() => r());
      }),
  };
  b.server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      b.hits++;
      b.requests.push(req);
      const body = Buffer.concat(chunks).toString();
      b.bodies.push(body);
      if (handler) handler(req, res, body, b);
      else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(name);
      }
    });
  });
  await new Promise<void>((r) => b.server.listen(0, '127.0.0.1', () => r()));
  b.port = (b.server.address() as AddressInfo).port;
  return b;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const clientAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export function request(
  port: number,
  opts: {
    path?: string;
    host?: string;
    method?: string;
    headers?: Record<string, string>;
    /** one string (sent with Content-Length) or pieces (written one by one: chunked) */
    body?: string | string[];
    agent?: http.Agent | false;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: opts.path ?? '/',
        method: opts.method ?? 'GET',
        headers: { host: opts.host ?? 'svc', ...opts.headers },
        agent: opts.agent ?? clientAgent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (Array.isArray(opts.body)) {
      for (const b of opts.body) req.write(b);
      req.end();
    } else req.end(opts.body);
  });
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'meshscope-agent-'));
}

export function writeFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A logger that keeps its JSON lines in memory. */
export function memoryLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n'))
        if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

export const silent = pino({ level: 'silent' });

/** ServiceEntry YAML for `host` with the given endpoints (each `port` + labels). */
export function serviceEntry(
  host: string,
  endpoints: Array<{ port: number; labels?: Record<string, string> }>,
): string {
  const eps = endpoints
    .map(
      (e) =>
        `    - address: 127.0.0.1\n      ports: { http: ${e.port} }\n      labels: ${JSON.stringify(e.labels ?? {})}`,
    )
    .join('\n');
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ${host.split('.')[0]}, namespace: default }
spec:
  hosts: [${host}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 80, name: http, protocol: HTTP }]
  endpoints:
${eps}
`;
}

/** Starts an agent with the mesh config `yaml` (telemetry off unless given). */
export async function agentWith(
  yaml: string,
  overrides: Partial<AgentConfigInput> = {},
  logger: Logger = silent,
): Promise<{ agent: AgentHandle; dir: string; file: string }> {
  const dir = tempDir();
  const file = writeFile(dir, 'mesh.yaml', yaml);
  const config = parseAgentConfig({
    identity: { workload: 'client-v1', app: 'client', version: 'v1' },
    listeners: { outboundPort: 0, inboundPort: 0, adminPort: 0 },
    meshConfigFile: file,
    reloadDebounceMs: 20,
    drainTimeoutMs: 2000,
    telemetry: { enabled: false },
    ...overrides,
  });
  const agent = await startAgent(config, { logger });
  return { agent, dir, file };
}

/** Runs `n` requests with at most `concurrency` in flight. */
export async function many<T>(n: number, concurrency: number, f: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await f(i);
      }
    }),
  );
  return out;
}

/** Rejects after `ms`: every wait in a test is bounded. */
export function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A port on 127.0.0.1 with nothing listening (free a moment ago): connecting to it is refused. */
export async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * An `Upgrade` request on a raw socket to `port` (a WebSocket handshake unless `upgrade` says otherwise),
 * read until the agent closes the connection: a refusal, or an answer other than 101 relayed from the app.
 * At most 2 s.
 */
export async function upgradeRequest(
  port: number,
  o: { host: string; path: string; method?: string; upgrade?: string },
): Promise<{ status: number; text: string }> {
  const sock = net.connect(port, '127.0.0.1');
  sock.on('error', () => {});
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.write(
    `${o.method ?? 'GET'} ${o.path} HTTP/1.1\r\nHost: ${o.host}\r\nConnection: Upgrade\r\nUpgrade: ${o.upgrade ?? 'websocket'}\r\n\r\n`,
  );
  let text = '';
  sock.on('data', (d: Buffer) => (text += d.toString('latin1')));
  await bounded(
    new Promise<void>((r) => sock.once('close', () => r())),
    2_000,
    'the agent closing the upgrade',
  );
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` every 5 ms until it holds, for at most `ms`. */
export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

export function sha256(b: Buffer | Buffer[]): string {
  const h = createHash('sha256');
  for (const x of Array.isArray(b) ? b : [b]) h.update(x);
  return h.digest('hex');
}
