/**
 * Bodies through a whole hop (outbound → inbound → app), in the shapes the upstream client frames itself
 * (it drops Transfer-Encoding and Expect and re-frames the body): a request body without length,
 * `Expect: 100-continue`, and a response far larger than socket buffers that the caller reads slowly
 * (backpressure on every hop); and callers on raw sockets, for what the listeners' own HTTP/1.1 server
 * (h1-server.ts) does in front of the handlers: pipelining, HTTP/1.0, HEAD, malformed requests.
 */
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, parseAgentConfig, startAgent } from '../../src/index.js';
import { agentWith, type Backend, serviceEntry, silent, startBackend } from '../helpers.js';

const BIG = 8 * 1024 * 1024;

let app: Backend;
let inbound: AgentHandle;
let outbound: AgentHandle;

beforeAll(async () => {
  app = await startBackend('app', (req, res, body) => {
    if (req.url === '/big') {
      // chunked, no content-length: streamed with backpressure
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 'y');
      let sent = 0;
      const pump = () => {
        while (sent < BIG) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      return;
    }
    if (req.url?.startsWith('/path/')) {
      res.end(`${req.method} ${req.url} ${body}`);
      return;
    }
    res.end(
      JSON.stringify({
        length: body.length,
        te: req.headers['transfer-encoding'] ?? null,
        expect: req.headers.expect ?? null,
      }),
    );
  });
  inbound = await startAgent(
    parseAgentConfig({
      identity: { workload: 'app-v1', app: 'app', version: 'v1' },
      listeners: { outboundPort: 0, inboundPort: 0, adminPort: 0 },
      app: { port: app.port },
      telemetry: { enabled: false },
    }),
    { logger: silent },
  );
  outbound = (
    await agentWith(serviceEntry('app.default.svc.cluster.local', [{ port: inbound.ports.inbound ?? 0 }]))
  ).agent;
});

afterAll(async () => {
  await outbound.close();
  await inbound.close();
  await app.close();
});

function send(
  path: string,
  headers: Record<string, string>,
  write: (req: http.ClientRequest) => void,
  readSlowly = false,
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: outbound.ports.outbound,
        path,
        method: 'POST',
        headers: { host: 'app', ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          if (readSlowly && chunks.length % 16 === 0) {
            res.pause();
            setTimeout(() => res.resume(), 2);
          }
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    write(req);
  });
}

describe('request and response bodies through an agent hop', () => {
  it('relays a chunked request body (no content-length) whole', async () => {
    const r = await send('/echo', {}, (req) => {
      req.write('a'.repeat(1000));
      setTimeout(() => req.end('b'.repeat(234)), 10);
    });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString())).toMatchObject({ length: 1234, expect: null });
  });

  it('answers Expect: 100-continue itself and relays the body', async () => {
    const r = await send('/echo', { expect: '100-continue', 'content-length': '5' }, (req) => {
      req.once('continue', () => req.end('hello'));
    });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString())).toEqual({ length: 5, te: null, expect: null });
  });

  it('streams a large response to a slow reader without losing or reordering bytes', async () => {
    const r = await send('/big', {}, (req) => req.end(), true);
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(BIG);
    expect(r.body.every((b) => b === 0x79)).toBe(true);
  });
});

/** Writes `bytes` on a new connection to the outbound listener; resolves with all it read once `done(text)` or the close. */
function raw(
  bytes: string,
  done: (text: string) => boolean = () => false,
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(outbound.ports.outbound, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer in 5 s; read so far: ${JSON.stringify(text)}`));
    }, 5_000);
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed });
    };
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      text += c;
      if (done(text)) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
}

const count = (text: string, what: string) => text.split(what).length - 1;

describe('raw HTTP/1.1 callers through an agent hop', () => {
  it('answers pipelined requests in order, each with its own body', async () => {
    const get = (p: string) => `GET /path/${p} HTTP/1.1\r\nHost: app\r\n\r\n`;
    const r = await raw(
      get('one') + get('two') + get('three'),
      (t) => count(t, 'HTTP/1.1 200 OK') === 3 && t.endsWith('three '),
    );
    expect(r.closed).toBe(false);
    const bodies = [...r.text.matchAll(/\r\n\r\n(GET \/path\/\w+ )/g)].map((m) => m[1]);
    expect(bodies).toEqual(['GET /path/one ', 'GET /path/two ', 'GET /path/three ']);
  });

  it('answers an HTTP/1.0 caller and closes the connection after the answer', async () => {
    const r = await raw('GET /path/old HTTP/1.0\r\nHost: app\r\n\r\n');
    expect(r.closed).toBe(true);
    expect(r.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(r.text.toLowerCase()).toContain('connection: close\r\n');
    expect(r.text.endsWith('GET /path/old ')).toBe(true);
  });

  it('answers HEAD without a body, then serves the next request on the same connection', async () => {
    const r = await raw(
      'HEAD /path/h HTTP/1.1\r\nHost: app\r\n\r\nGET /path/after HTTP/1.1\r\nHost: app\r\n\r\n',
      (t) => t.endsWith('GET /path/after '),
    );
    expect(count(r.text, 'HTTP/1.1 200 OK')).toBe(2);
    expect(r.text).not.toContain('HEAD /path/h');
  });

  it('answers a malformed request 400 and closes; the listener goes on serving', async () => {
    const bad = await raw('GET /path/x HTTP/1.1\r\nHost: app\r\nBad Header: x\r\n\r\n');
    expect(bad.closed).toBe(true);
    expect(bad.text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    const next = await raw('GET /path/ok HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n');
    expect(next.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(next.text.endsWith('GET /path/ok ')).toBe(true);
  });
});
