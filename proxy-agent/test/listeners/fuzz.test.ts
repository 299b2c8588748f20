/**
 * Malformed and cut-off input against the hand-written HTTP/1.1 server and client: requests built from
 * valid ones by a fixed-seed mutator (inserted junk, flipped bytes, truncation, pipelined extras, deleted
 * runs), written in random pieces, to the outbound, inbound and admin listeners of a real agent pair. No
 * agent may crash (an uncaught error fails this file), every request must leave the in-flight gauges, and
 * the hop must still answer. Bounded: a fixed number of connections, each given at most 300 ms.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, parseAgentConfig, startAgent } from '../../src/index.js';
import {
  type Backend,
  request,
  serviceEntry,
  silent,
  sleep,
  startBackend,
  tempDir,
  writeFile,
} from '../helpers.js';

const HOST = 'backend.default.svc.cluster.local';
const CONNECTIONS = 1200;
const CONCURRENCY = 32;

/** A small LCG: the same inputs on every run, so a failure can be replayed. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

const VALID = [
  `GET /x?q=1 HTTP/1.1\r\nHost: ${HOST}\r\nx-r: abc\r\n\r\n`,
  `POST /x HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 5\r\n\r\nhello`,
  `POST /x HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
  `GET http://${HOST}/abs HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`,
  `GET / HTTP/1.1\r\nHost: ${HOST}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  `GET / HTTP/1.0\r\nHost: ${HOST}\r\n\r\n`,
  `PUT /y HTTP/1.1\r\nHost: ${HOST}\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc`,
  `GET /x HTTP/1.1\r\nHost: ${HOST}\r\ntraceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nb3: 80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90\r\n\r\n`,
  `GET /ready HTTP/1.1\r\nHost: x\r\n\r\n`,
  `GET /config HTTP/1.1\r\nHost: x\r\n\r\n`,
];
const JUNK = [
  '\r\n',
  '\n',
  '\0',
  ':',
  ' ',
  '\t',
  'HTTP/1.1',
  'Content-Length: 99999999999999999999\r\n',
  'Content-Length: -1\r\n',
  'Transfer-Encoding: chunked\r\n',
  'ffffffffffffffff\r\n',
  'Host: \r\n',
  'Host: [::1\r\n',
  'Host: a:99999\r\n',
  '\xff\xfe',
  `x-request-id: ${'a'.repeat(10_000)}\r\n`,
  'traceparent: 00-zz-00-00\r\n',
  'b3: 1\r\n',
  `x-b3-traceid: ${'f'.repeat(40)}\r\n`,
  'Connection: close\r\n',
  'Upgrade: h2c\r\n',
  'CONNECT a:1 HTTP/1.1\r\n',
  '%',
  '?',
  '#',
  '..',
];

function mutate(rand: () => number): Buffer {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)] as T;
  let b = Buffer.from(pick(VALID), 'latin1');
  const edits = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rand() * (b.length + 1));
    switch (Math.floor(rand() * 5)) {
      case 0:
        b = Buffer.concat([b.subarray(0, at), Buffer.from(pick(JUNK), 'latin1'), b.subarray(at)]);
        break;
      case 1:
        if (b.length > 0) b[Math.min(at, b.length - 1)] = Math.floor(rand() * 256);
        break;
      case 2:
        b = b.subarray(0, at);
        break;
      case 3:
        b = Buffer.concat([b, Buffer.from(pick(VALID), 'latin1')]);
        break;
      default:
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + Math.floor(rand() * 10)))]);
    }
  }
  return b;
}

/** Writes `data` in random pieces, maybe half-closes, and gives the connection at most 300 ms. */
function send(port: number, data: Buffer, rand: () => number): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const done = setTimeout(() => s.destroy(), 300);
    s.on('data', () => undefined);
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(done);
      resolve();
    });
    s.on('connect', () => {
      void (async () => {
        for (let off = 0; off < data.length && !s.destroyed;) {
          const n = 1 + Math.floor(rand() * data.length);
          s.write(data.subarray(off, off + n));
          off += n;
          if (rand() < 0.3) await sleep(1);
        }
        if (!s.destroyed && rand() < 0.5) s.end();
      })();
    });
  });
}

describe('malformed and cut-off input', () => {
  let app: Backend;
  let inbound: AgentHandle;
  let outbound: AgentHandle;

  beforeAll(async () => {
    app = await startBackend('app');
    inbound = await startAgent(
      parseAgentConfig({
        identity: { workload: 'backend-v1', app: 'backend', version: 'v1', service: HOST },
        listeners: { outboundPort: 0, inboundPort: 0, adminPort: 0 },
        app: { port: app.port },
        telemetry: { enabled: false },
      }),
      { logger: silent },
    );
    const mesh = writeFile(
      tempDir(),
      'mesh.yaml',
      `${serviceEntry(HOST, [{ port: inbound.ports.inbound ?? 0, labels: { app: 'backend', version: 'v1' } }])}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: backend }
spec:
  hosts: [${HOST}]
  http:
    - match: [{ headers: { x-r: { regex: "a.*" } }, queryParams: { q: { prefix: "1" } } }]
      retries: { attempts: 3, retryOn: "5xx,reset,connect-failure" }
      mirror: { host: ${HOST} }
      route: [{ destination: { host: ${HOST} } }]
    - route: [{ destination: { host: ${HOST} }, weight: 50 }, { destination: { host: ${HOST} }, weight: 50 }]
`,
    );
    outbound = await startAgent(
      parseAgentConfig({
        identity: { workload: 'client-v1', app: 'client', version: 'v1' },
        listeners: { outboundPort: 0, inboundPort: 0, adminPort: 0 },
        meshConfigFile: mesh,
        telemetry: { enabled: false },
      }),
      { logger: silent },
    );
  });
  afterAll(async () => {
    await outbound?.close();
    await inbound?.close();
    await app?.close();
  });

  it(`survives ${CONNECTIONS} mutated connections, leaves nothing in flight, and still serves`, async () => {
    const rand = lcg(1);
    const ports = [
      outbound.ports.outbound,
      inbound.ports.inbound,
      outbound.ports.admin,
      inbound.ports.admin,
    ].map((p) => p ?? 0);
    for (let i = 0; i < CONNECTIONS; i += CONCURRENCY) {
      const batch: Promise<void>[] = [];
      for (let j = 0; j < CONCURRENCY; j++)
        batch.push(send(ports[Math.floor(rand() * ports.length)] as number, mutate(rand), rand));
      await Promise.all(batch);
    }
    // every request the agents took in has ended: the in-flight gauges are back to zero
    const inflight = async (admin: number | undefined): Promise<number[]> => {
      const r = await request(admin ?? 0, { path: '/metrics' });
      return r.body
        .split('\n')
        .filter((l) => l.startsWith('meshscope_agent_requests_inflight{'))
        .map((l) => Number(l.split(' ').at(-1)));
    };
    const deadline = Date.now() + 5000;
    const gauges = async () => [
      ...(await inflight(outbound.ports.admin)),
      ...(await inflight(inbound.ports.admin)),
    ];
    let left = await gauges();
    while (left.some((n) => n !== 0) && Date.now() < deadline) {
      await sleep(50);
      left = await gauges();
    }
    expect(left.length).toBeGreaterThan(0);
    expect(left).toEqual(left.map(() => 0));

    const r = await request(outbound.ports.outbound ?? 0, { host: HOST, path: '/after' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('app');
  }, 60_000);
});
