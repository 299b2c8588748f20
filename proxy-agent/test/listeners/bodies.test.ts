/**
 * Bodies through a whole hop (outbound → inbound → app), in the shapes the upstream client frames itself
 * (it drops Transfer-Encoding and Expect and re-frames the body): a request body without length,
 * `Expect: 100-continue`, and a response far larger than socket buffers that the caller reads slowly
 * (backpressure on every hop).
 */
import http from 'node:http';
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
