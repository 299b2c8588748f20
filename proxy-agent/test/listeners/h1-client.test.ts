/**
 * The upstream HTTP/1.1 client (h1-client.ts) on its own, against real `node:http` and raw `node:net`
 * servers on 127.0.0.1: framing of requests and responses, keep-alive reuse and its limits, idle close,
 * stale connections, aborts, and malformed input. Everything is observed from outside: what the server
 * received and how many connections it saw, and what the request emitted.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { H1Pools, H1Request, type H1Response, type PoolOptions } from '../../src/listeners/h1-client.js';
import { bounded, deadPort, sha256, sleep, waitFor } from '../helpers.js';

// ---------------------------------------------------------------------------------------------------
// fixtures

interface Tracked<S extends net.Server> {
  server: S;
  port: number;
  /** connections accepted so far */
  connections: number;
  /** connections open now, and the most open at once */
  open: number;
  maxOpen: number;
  sockets: net.Socket[];
  /** when each accepted connection closed (index = accept order), undefined while open */
  closedAt: Array<number | undefined>;
}

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Listens on 127.0.0.1, counts connections, and closes everything after the test. */
async function listen<S extends net.Server>(server: S): Promise<Tracked<S>> {
  const t: Tracked<S> = {
    server,
    port: 0,
    connections: 0,
    open: 0,
    maxOpen: 0,
    sockets: [],
    closedAt: [],
  };
  server.on('connection', (sock: net.Socket) => {
    const i = t.connections++;
    t.open++;
    t.maxOpen = Math.max(t.maxOpen, t.open);
    t.sockets.push(sock);
    t.closedAt.push(undefined);
    sock.on('error', () => {});
    sock.on('close', () => {
      t.open--;
      t.closedAt[i] = Date.now();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.port = (server.address() as AddressInfo).port;
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of t.sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return t;
}

function httpServer(handler: http.RequestListener): Promise<Tracked<http.Server>> {
  return listen(http.createServer(handler));
}

/**
 * A raw server reading request heads (requests without bodies): `onRequest` gets the socket, the
 * connection's index, the request's index on that connection, and the head text.
 */
function rawServer(
  onRequest: (sock: net.Socket, conn: number, n: number, head: string) => void,
): Promise<Tracked<net.Server>> {
  let conns = 0;
  const server = net.createServer((sock) => {
    const conn = conns++;
    let n = 0;
    let buf = '';
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (let i = buf.indexOf('\r\n\r\n'); i >= 0 && !sock.destroyed; i = buf.indexOf('\r\n\r\n')) {
        const head = buf.slice(0, i);
        buf = buf.slice(i + 4);
        onRequest(sock, conn, n++, head);
      }
    });
  });
  return listen(server);
}

const DEFAULTS: PoolOptions = {
  maxConnections: Infinity,
  idleTimeoutMs: 10_000,
  connectTimeoutMs: 2_000,
  maxRequestsPerConnection: 0,
  connect: (host, port) => net.connect({ host, port, noDelay: true }),
};

function newPools(opts: Partial<PoolOptions> = {}): H1Pools {
  const pools = new H1Pools({ ...DEFAULTS, ...opts });
  cleanups.push(() => pools.destroy());
  return pools;
}

interface SendOptions {
  method?: string;
  path?: string;
  headers?: string[];
  /** written to bodySink() piece by piece, then ended */
  body?: Array<string | Buffer>;
  /** a body follows (default: whether `body` is given); the test writes it itself */
  hasBody?: boolean;
}

interface Sent {
  req: H1Request;
  res: H1Response;
  body: Buffer;
}

function start(pools: H1Pools, port: number, o: SendOptions = {}): H1Request {
  const req = new H1Request(pools, '127.0.0.1', port, {
    method: o.method ?? 'GET',
    path: o.path ?? '/',
    headers: o.headers ?? [],
    hasBody: o.hasBody ?? o.body !== undefined,
  });
  if (o.body) {
    const sink = req.bodySink();
    for (const b of o.body) sink.write(b);
    sink.end();
  }
  return req;
}

/** The response and its whole body. */
function responseOf(req: H1Request, ms = 5_000): Promise<Sent> {
  return bounded(
    new Promise<Sent>((resolve, reject) => {
      req.on('error', reject);
      req.on('response', (res: H1Response) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => resolve({ req, res, body: Buffer.concat(chunks) }));
      });
    }),
    ms,
    'response',
  );
}

function send(pools: H1Pools, port: number, o: SendOptions = {}, ms = 5_000): Promise<Sent> {
  return responseOf(start(pools, port, o), ms);
}

/** The error the request fails with (a response instead fails the test). */
function errorOf(req: H1Request, ms = 5_000): Promise<NodeJS.ErrnoException> {
  return bounded(
    new Promise<NodeJS.ErrnoException>((resolve, reject) => {
      req.on('error', resolve);
      req.on('response', (res: H1Response) => reject(new Error(`unexpected response ${res.statusCode}`)));
    }),
    ms,
    'error',
  );
}

/** The response head, then the error its body fails with (a clean end instead fails the test). */
async function bodyErrorOf(req: H1Request, what: string): Promise<{ res: H1Response; err: Error }> {
  const res = await bounded(
    new Promise<H1Response>((resolve) => req.on('response', resolve)),
    5_000,
    'response',
  );
  const err = await bounded(
    new Promise<Error>((resolve, reject) => {
      res.on('error', resolve);
      res.on('end', () => reject(new Error(`${what} ended cleanly`)));
      res.resume();
    }),
    5_000,
    'body error',
  );
  return { res, err };
}

/** Pairs of a flat raw header list, names lower-cased. */
function pairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < raw.length; i += 2) out.push([(raw[i] as string).toLowerCase(), raw[i + 1] as string]);
  return out;
}

/** Collects a request body on a node:http server. */
function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------------

describe('h1-client: requests and responses', () => {
  it('round-trips a GET (status, raw headers, body) and reuses the connection for the next request', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const srv = await httpServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(201, 'Made', [
        'X-Mixed-Case',
        'one',
        'set-cookie',
        'a=1',
        'set-cookie',
        'b=2',
        'content-type',
        'text/plain',
      ]);
      res.end(`body of ${req.method} ${req.url}`);
    });
    const pools = newPools();

    const a = await send(pools, srv.port, {
      path: '/a?x=1',
      // hop-by-hop framing headers are the client's own: these never reach the server
      headers: ['X-Req', 'r1', 'Connection', 'close', 'Transfer-Encoding', 'gzip'],
    });
    expect(a.res.statusCode).toBe(201);
    expect(a.res.statusMessage).toBe('Made');
    expect(a.res.complete).toBe(true);
    expect(a.body.toString()).toBe('body of GET /a?x=1');
    expect(a.res.rawHeaders.slice(0, 6)).toEqual([
      'X-Mixed-Case',
      'one',
      'set-cookie',
      'a=1',
      'set-cookie',
      'b=2',
    ]);
    expect(a.res.headers['x-mixed-case']).toBe('one');
    expect(a.res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(a.res.socket?.remotePort).toBe(srv.port);
    expect(seen[0]?.['x-req']).toBe('r1');
    expect(seen[0]?.host).toBe(`127.0.0.1:${srv.port}`);
    expect(seen[0]?.connection).toBeUndefined();
    expect(seen[0]?.['transfer-encoding']).toBeUndefined();

    const b = await send(pools, srv.port, { path: '/b', headers: ['host', 'svc.example'] });
    expect(b.res.statusCode).toBe(201);
    expect(b.body.toString()).toBe('body of GET /b');
    expect(seen[1]?.host).toBe('svc.example');
    expect(srv.connections).toBe(1);
    expect(srv.open).toBe(1);
  });

  it('keeps every header of a response with more than 32 of them', async () => {
    const srv = await httpServer((_req, res) => {
      const h: string[] = [];
      for (let i = 0; i < 40; i++) h.push(`x-h${i}`, `v${i}`);
      res.writeHead(200, h);
      res.end('ok');
    });
    const pools = newPools();
    const r = await send(pools, srv.port);
    const names = pairs(r.res.rawHeaders).filter(([n]) => n.startsWith('x-h'));
    expect(names).toHaveLength(40);
    expect(names[0]).toEqual(['x-h0', 'v0']);
    expect(names[39]).toEqual(['x-h39', 'v39']);
    expect(r.body.toString()).toBe('ok');
  });

  it.each([2, 40])(
    'does not carry trailers of one response into the headers of the next one (%i headers)',
    async (count) => {
      let n = 0;
      const srv = await httpServer((_req, res) => {
        if (n++ === 0) {
          // chunked, with a trailer
          res.writeHead(200, { trailer: 'x-trailer' });
          res.write('first');
          res.addTrailers({ 'x-trailer': 'from-first' });
          res.end();
          return;
        }
        // (over 32 headers, Node's parser hands them over in pieces, through kOnHeaders)
        const h: string[] = [];
        for (let i = 0; i < count; i++) h.push(`x-h${i}`, `v${i}`);
        res.writeHead(200, h);
        res.end('second');
      });
      const pools = newPools();
      const first = await send(pools, srv.port);
      expect(first.body.toString()).toBe('first');
      const second = await send(pools, srv.port);
      expect(srv.connections).toBe(1);
      expect(second.body.toString()).toBe('second');
      const names = pairs(second.res.rawHeaders).map(([k]) => k);
      expect(names).not.toContain('x-trailer');
      expect(names.filter((k) => k.startsWith('x-h'))).toHaveLength(count);
      expect(second.res.headers['x-trailer']).toBeUndefined();
    },
  );

  it('sends a body with content-length as is', async () => {
    const got: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
    const srv = await httpServer((req, res) => {
      void readBody(req).then((b) => {
        got.push({ headers: req.headers, body: b.toString() });
        res.end('ok');
      });
    });
    const pools = newPools();
    const r = await send(pools, srv.port, {
      method: 'POST',
      headers: ['content-length', '11'],
      body: ['hello', ' world'],
    });
    expect(r.res.statusCode).toBe(200);
    expect(got[0]?.body).toBe('hello world');
    expect(got[0]?.headers['content-length']).toBe('11');
    expect(got[0]?.headers['transfer-encoding']).toBeUndefined();
    // the connection is still in step: a second request on it works
    await send(pools, srv.port, { method: 'PUT', headers: ['Content-Length', '3'], body: ['abc'] });
    expect(got[1]?.body).toBe('abc');
    expect(srv.connections).toBe(1);
  });

  it('sends a body without content-length chunked', async () => {
    const got: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
    const srv = await httpServer((req, res) => {
      void readBody(req).then((b) => {
        got.push({ headers: req.headers, body: b.toString() });
        res.end('ok');
      });
    });
    const pools = newPools();
    const req = start(pools, srv.port, { method: 'POST', hasBody: true });
    const sink = req.bodySink();
    const done = responseOf(req);
    sink.write('a'.repeat(1000));
    sink.write(Buffer.alloc(0)); // an empty write must not end the chunked body
    await sleep(20);
    sink.end('b'.repeat(234));
    const r = await done;
    expect(r.res.statusCode).toBe(200);
    expect(got[0]?.headers['transfer-encoding']).toBe('chunked');
    expect(got[0]?.headers['content-length']).toBeUndefined();
    expect(got[0]?.body).toBe('a'.repeat(1000) + 'b'.repeat(234));
    // an empty chunked body, then a plain GET, on the same connection
    await send(pools, srv.port, { method: 'POST', body: [] });
    expect(got[1]?.body).toBe('');
    await send(pools, srv.port);
    expect(srv.connections).toBe(1);
  });

  it('discards the rest of a request body once the response came early (a 413): the writer is not stalled', async () => {
    const srv = await rawServer((sock) =>
      sock.write('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\n\r\ntoo big!'),
    );
    const pools = newPools();
    const req = start(pools, srv.port, {
      method: 'POST',
      hasBody: true,
      headers: ['content-length', String(1024 * 1024)],
    });
    const sink = req.bodySink();
    const r = await responseOf(req);
    expect(r.res.statusCode).toBe(413);
    expect(r.body.toString()).toBe('too big!');
    // the caller goes on writing the body it has (as a pipe from the downstream request would)
    const settled = new Promise<string>((resolve) => {
      sink.on('finish', () => resolve('finish'));
      sink.on('close', () => resolve('close'));
      sink.on('error', () => resolve('error'));
    });
    for (let i = 0; i < 16; i++) sink.write(Buffer.alloc(64 * 1024, 1));
    sink.end();
    expect(['finish', 'close', 'error']).toContain(
      await bounded(settled, 2_000, 'the request body to settle'),
    );
    // the server still expects the rest of that body: the connection is not reused
    await waitFor(() => srv.closedAt[0] !== undefined, 2_000, 'the connection to close');
    expect((await send(pools, srv.port)).res.statusCode).toBe(413);
    expect(srv.connections).toBe(2);
  });

  it('streams a 16 MiB request body to a slow reader with backpressure, intact', async () => {
    // larger than what loopback socket buffers absorb (~4 MB here), so the hold-back is visible
    const SIZE = 16 * 1024 * 1024;
    const CHUNK = 64 * 1024;
    const chunks: Buffer[] = [];
    for (let i = 0; i < SIZE / CHUNK; i++) chunks.push(Buffer.alloc(CHUNK, i % 251));
    let serverStartedReading = 0;
    const srv = await httpServer((req, res) => {
      const h = createHash('sha256');
      let length = 0;
      req.pause();
      // reads nothing for 300 ms, then a chunk every couple of milliseconds
      setTimeout(() => {
        serverStartedReading = Date.now();
        req.on('data', (c: Buffer) => {
          h.update(c);
          length += c.length;
          req.pause();
          setTimeout(() => req.resume(), 1);
        });
        req.on('end', () =>
          res.end(JSON.stringify({ length, hash: h.digest('hex'), te: req.headers['transfer-encoding'] })),
        );
        req.resume();
      }, 300);
    });
    const pools = newPools();
    const req = start(pools, srv.port, { method: 'POST', hasBody: true });
    const done = responseOf(req, 20_000);
    const sink = req.bodySink();
    // writes as fast as the sink lets it (waits for 'drain' when write() says so)
    let written = 0;
    let writtenBeforeRead = -1;
    for (const c of chunks) {
      if (!sink.write(c)) await bounded(new Promise((r) => sink.once('drain', r)), 15_000, 'drain');
      written += c.length;
      if (serverStartedReading === 0) writtenBeforeRead = written;
    }
    sink.end();
    const r = await done;
    const info = JSON.parse(r.body.toString()) as { length: number; hash: string; te: string };
    expect(info).toEqual({ length: SIZE, hash: sha256(chunks), te: 'chunked' });
    // while the server read nothing, the writer was held back (socket buffers absorb part of it only)
    expect(writtenBeforeRead).toBeLessThan(SIZE / 2);
  });

  it('delivers a large response body to a slow consumer with backpressure to the server, intact', async () => {
    const SIZE = 16 * 1024 * 1024;
    const CHUNK = 64 * 1024;
    let pushed = 0;
    const srv = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(SIZE) });
      const pump = (): void => {
        while (pushed < SIZE) {
          const c = Buffer.alloc(CHUNK, (pushed / CHUNK) % 251);
          pushed += CHUNK;
          if (!res.write(c)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const pools = newPools();
    const req = start(pools, srv.port);
    const res = await bounded(
      new Promise<H1Response>((resolve, reject) => {
        req.on('response', resolve);
        req.on('error', reject);
      }),
      5_000,
      'response',
    );
    // not read for 300 ms: the server must be held back by the unread body
    await sleep(300);
    const pushedWhilePaused = pushed;
    const h = createHash('sha256');
    let length = 0;
    await bounded(
      new Promise<void>((resolve, reject) => {
        res.on('data', (c: Buffer) => {
          h.update(c);
          length += c.length;
        });
        res.on('end', resolve);
        res.on('error', reject);
      }),
      20_000,
      'body',
    );
    const expected = createHash('sha256');
    for (let i = 0; i < SIZE / CHUNK; i++) expected.update(Buffer.alloc(CHUNK, i % 251));
    expect(length).toBe(SIZE);
    expect(h.digest('hex')).toBe(expected.digest('hex'));
    expect(res.complete).toBe(true);
    expect(pushedWhilePaused).toBeLessThan(SIZE / 2);
  });

  it('reads no body after HEAD (with content-length) and reuses the connection', async () => {
    const srv = await httpServer((req, res) => {
      res.writeHead(200, { 'content-length': '1234', 'content-type': 'text/plain' });
      res.end(req.method === 'HEAD' ? undefined : 'x'.repeat(1234));
    });
    const pools = newPools();
    const h = await send(pools, srv.port, { method: 'HEAD' });
    expect(h.res.statusCode).toBe(200);
    expect(h.res.headers['content-length']).toBe('1234');
    expect(h.body.length).toBe(0);
    expect(h.res.complete).toBe(true);
    const g = await send(pools, srv.port);
    expect(g.body.toString()).toBe('x'.repeat(1234));
    expect(srv.connections).toBe(1);
  });

  it.each([204, 304])('reads no body for a %i and reuses the connection', async (status) => {
    const srv = await httpServer((req, res) => {
      if (req.url === '/none') {
        res.writeHead(status, { etag: '"e"' });
        res.end();
        return;
      }
      res.end('after');
    });
    const pools = newPools();
    const n = await send(pools, srv.port, { path: '/none' });
    expect(n.res.statusCode).toBe(status);
    expect(n.body.length).toBe(0);
    expect(n.res.complete).toBe(true);
    const a = await send(pools, srv.port);
    expect(a.body.toString()).toBe('after');
    expect(srv.connections).toBe(1);
  });

  it('skips 1xx informational responses: the request sees only the final one', async () => {
    const srv = await rawServer((sock) => {
      sock.write('HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n');
      setTimeout(() => {
        sock.write('HTTP/1.1 100 Continue\r\n\r\n');
        sock.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Final: yes\r\n\r\nfinal');
      }, 20);
    });
    const pools = newPools();
    const req = start(pools, srv.port);
    let responses = 0;
    req.on('response', () => responses++);
    const r = await responseOf(req);
    expect(r.res.statusCode).toBe(200);
    expect(r.body.toString()).toBe('final');
    expect(r.res.headers['x-final']).toBe('yes');
    expect(r.res.headers.link).toBeUndefined();
    expect(responses).toBe(1);
    // and the connection stays in step for the next request
    const again = await send(pools, srv.port);
    expect(again.body.toString()).toBe('final');
    expect(srv.connections).toBe(1);
  });

  it('reads a body delimited by the connection close whole, and does not reuse that connection', async () => {
    const srv = await rawServer((sock) => {
      sock.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\npart1-');
      setTimeout(() => sock.write('part2-'), 20);
      setTimeout(() => sock.end('part3'), 40);
    });
    const pools = newPools();
    const r = await send(pools, srv.port);
    expect(r.res.statusCode).toBe(200);
    expect(r.body.toString()).toBe('part1-part2-part3');
    expect(r.res.complete).toBe(true);
    const again = await send(pools, srv.port);
    expect(again.body.toString()).toBe('part1-part2-part3');
    expect(srv.connections).toBe(2);
  });

  it('fails a response cut short of its content-length (complete stays false)', async () => {
    const srv = await rawServer((sock) => {
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly-part');
      setTimeout(() => sock.end(), 20);
    });
    const pools = newPools();
    const { res, err } = await bodyErrorOf(start(pools, srv.port), 'a truncated body');
    expect(err).toBeInstanceOf(Error);
    expect(res.complete).toBe(false);
  });

  it('does not reuse a connection the server answered with Connection: close', async () => {
    const srv = await httpServer((_req, res) => {
      res.setHeader('connection', 'close');
      res.end('bye');
    });
    const pools = newPools();
    await send(pools, srv.port);
    await send(pools, srv.port);
    expect(srv.connections).toBe(2);
  });

  it('does not stall the next request on a connection whose last response body is still unread', async () => {
    // head and a 32 KiB body in one write: the body fills the unread response's buffer at once
    const body = Buffer.alloc(32 * 1024, 'z');
    const srv = await rawServer((sock, _c, n) => {
      if (n === 0)
        sock.write(
          Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]),
        );
      else sock.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond');
    });
    const pools = newPools();
    const first = start(pools, srv.port);
    const res1 = await bounded(
      new Promise<H1Response>((resolve, reject) => {
        first.on('response', resolve);
        first.on('error', reject);
      }),
      5_000,
      'first response',
    );
    // the first body is not read yet (a slow downstream client, say)
    await waitFor(() => res1.complete, 2_000, 'the first response to be complete');
    const second = await send(pools, srv.port, {}, 2_000);
    expect(second.body.toString()).toBe('second');
    // and the first body is still whole
    const chunks: Buffer[] = [];
    res1.on('data', (c: Buffer) => chunks.push(c));
    await bounded(new Promise((r) => res1.on('end', r)), 2_000, 'first body');
    expect(Buffer.concat(chunks).equals(body)).toBe(true);
  });
});

describe('h1-client: pool limits and idle connections', () => {
  it('opens at most maxConnections connections and queues the rest', async () => {
    const srv = await httpServer((req, res) => {
      setTimeout(() => res.end(`done ${req.url}`), 50);
    });
    const pools = newPools({ maxConnections: 2 });
    const all = await Promise.all([1, 2, 3, 4, 5].map((i) => send(pools, srv.port, { path: `/${i}` })));
    expect(all.map((r) => r.body.toString())).toEqual([1, 2, 3, 4, 5].map((i) => `done /${i}`));
    expect(srv.maxOpen).toBeLessThanOrEqual(2);
    expect(srv.connections).toBe(2);
  });

  it('closes a connection after maxRequestsPerConnection requests', async () => {
    const srv = await httpServer((_req, res) => res.end('ok'));
    const pools = newPools({ maxRequestsPerConnection: 2 });
    await send(pools, srv.port);
    await send(pools, srv.port);
    expect(srv.connections).toBe(1);
    // the client closes the used-up connection itself
    await waitFor(() => srv.closedAt[0] !== undefined, 2_000, 'the first connection to close');
    await send(pools, srv.port);
    expect(srv.connections).toBe(2);
    await send(pools, srv.port);
    expect(srv.connections).toBe(2);
  });

  it('closes an idle connection after idleTimeoutMs and opens a new one for the next request', async () => {
    const srv = await httpServer((_req, res) => res.end('ok'));
    const pools = newPools({ idleTimeoutMs: 200 });
    await send(pools, srv.port);
    const idleFrom = Date.now();
    await waitFor(() => srv.closedAt[0] !== undefined, 2_000, 'the idle connection to close');
    const idleFor = (srv.closedAt[0] as number) - idleFrom;
    expect(idleFor).toBeGreaterThanOrEqual(150);
    expect(idleFor).toBeLessThan(1_000);
    await send(pools, srv.port);
    expect(srv.connections).toBe(2);
    // the idle sweep stopped with no connection left, and runs again for the new one
    await waitFor(() => srv.closedAt[1] !== undefined, 2_000, 'the second idle connection to close');
  });

  it('keeps a connection that is used within idleTimeoutMs', async () => {
    const srv = await httpServer((_req, res) => res.end('ok'));
    const pools = newPools({ idleTimeoutMs: 300 });
    for (let i = 0; i < 4; i++) {
      await send(pools, srv.port);
      await sleep(100);
    }
    expect(srv.connections).toBe(1);
  });

  it('honours Keep-Alive: timeout=2: not reused past the hinted 1 s, closed before the server (2 s)', async () => {
    // a raw server that says timeout=2 but never closes by itself: any close is the client's
    // (answers after 150 ms, as a server doing some work would)
    const srv = await rawServer((sock) => {
      setTimeout(
        () => sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=2\r\n\r\nok'),
        150,
      );
    });
    const pools = newPools({ idleTimeoutMs: 10_000 });
    await send(pools, srv.port);
    const idleFrom = Date.now();
    // 1.3 s later: past our hinted limit (1 s), inside the server's (2 s) — must not be reused
    await sleep(1_300);
    await send(pools, srv.port);
    expect(srv.connections).toBe(2);
    await waitFor(() => srv.closedAt[0] !== undefined, 1_000, 'the first connection to close');
    expect((srv.closedAt[0] as number) - idleFrom).toBeLessThan(1_900);
  });

  it('does not keep a connection for reuse past a Keep-Alive: timeout=1 hint', async () => {
    const srv = await rawServer((sock) =>
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=1\r\n\r\nok'),
    );
    const pools = newPools({ idleTimeoutMs: 10_000 });
    await send(pools, srv.port);
    // the server would have closed it by now: sending on it would race that close
    await sleep(1_100);
    await send(pools, srv.port);
    expect(srv.connections).toBe(2);
  });

  it('drops an idle connection the server closed, and uses a new one', async () => {
    const srv = await httpServer((_req, res) => res.end('ok'));
    const pools = newPools();
    await send(pools, srv.port);
    (srv.sockets[0] as net.Socket).end();
    await waitFor(() => srv.closedAt[0] !== undefined, 2_000, 'the server-side close');
    await sleep(20);
    const r = await send(pools, srv.port);
    expect(r.body.toString()).toBe('ok');
    expect(srv.connections).toBe(2);
  });
});

describe('h1-client: failures', () => {
  it.each(['destroy', 'resetAndDestroy'] as const)(
    'reports a keep-alive connection closed (%s) as the next request arrives as ECONNRESET with reusedSocket',
    async (how) => {
      const srv = await rawServer((sock, conn, n) => {
        if (conn === 0 && n === 1) {
          // the stale keep-alive race: the server drops the connection instead of answering
          if (how === 'destroy') sock.destroy();
          else sock.resetAndDestroy();
          return;
        }
        sock.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok`);
      });
      const pools = newPools();
      const first = await send(pools, srv.port);
      expect(first.req.reusedSocket).toBe(false);
      const req = start(pools, srv.port);
      const err = await errorOf(req);
      expect(err.code).toBe('ECONNRESET');
      expect(req.reusedSocket).toBe(true);
      // the dead connection is gone: the next request works on a new one
      const after = await send(pools, srv.port);
      expect(after.body.toString()).toBe('ok');
      expect(srv.connections).toBe(2);
    },
  );

  it('reports a fresh connection reset before any response with reusedSocket false', async () => {
    const srv = await rawServer((sock) => sock.resetAndDestroy());
    const pools = newPools();
    const req = start(pools, srv.port);
    const err = await errorOf(req);
    expect(err.code).toBe('ECONNRESET');
    expect(req.reusedSocket).toBe(false);
  });

  it('reports a refused connection as ECONNREFUSED', async () => {
    const port = await deadPort();
    const pools = newPools();
    const req = start(pools, port, { method: 'POST', hasBody: true });
    const sink = req.bodySink();
    sink.write('early');
    const err = await errorOf(req);
    expect(err.code).toBe('ECONNREFUSED');
    expect(req.reusedSocket).toBe(false);
    // the rest of the body goes nowhere, without an unhandled error
    sink.write('late');
    sink.end();
    await sleep(20);
    expect(sink.destroyed || sink.writableFinished).toBe(true);
  });

  it('fails with ECONNECTTIMEOUT when a TLS handshake never completes within connectTimeoutMs', async () => {
    // accepts TCP connections but never answers the ClientHello
    const srv = await listen(net.createServer((sock) => sock.resume()));
    const pools = newPools({
      connectTimeoutMs: 200,
      connect: (host, port) => tls.connect({ host, port, rejectUnauthorized: false }),
    });
    const t0 = Date.now();
    const req = start(pools, srv.port);
    const err = await errorOf(req, 3_000);
    expect(err.code).toBe('ECONNECTTIMEOUT');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    await waitFor(() => srv.open === 0, 2_000, 'the connection to close');
  });

  it('destroy() while waiting for the response closes the connection and emits no response', async () => {
    const pending: http.ServerResponse[] = [];
    const srv = await httpServer((req, res) => {
      if (req.url === '/hang') pending.push(res);
      else res.end('ok');
    });
    const pools = newPools();
    const req = start(pools, srv.port, { path: '/hang' });
    let responses = 0;
    const errors: NodeJS.ErrnoException[] = [];
    req.on('response', () => responses++);
    req.on('error', (e: NodeJS.ErrnoException) => errors.push(e));
    await waitFor(() => pending.length === 1, 2_000, 'the server to get the request');
    req.destroy();
    await waitFor(() => srv.closedAt[0] !== undefined, 2_000, 'the server to see the connection close');
    // an answer now goes nowhere
    (pending[0] as http.ServerResponse).end('too late');
    await sleep(50);
    expect(responses).toBe(0);
    expect(errors.length).toBeLessThanOrEqual(1);
    req.destroy(); // twice is harmless
    // the pool still works
    const r = await send(pools, srv.port);
    expect(r.body.toString()).toBe('ok');
    expect(srv.connections).toBe(2);
  });

  it('destroy() of a queued request: it is never sent, and the queue goes on', async () => {
    const urls: string[] = [];
    const srv = await httpServer((req, res) => {
      urls.push(req.url ?? '');
      setTimeout(() => res.end(`done ${req.url}`), 50);
    });
    const pools = newPools({ maxConnections: 1 });
    const a = send(pools, srv.port, { path: '/a' });
    const queued = start(pools, srv.port, { path: '/queued' });
    let queuedResponses = 0;
    queued.on('response', () => queuedResponses++);
    queued.on('error', () => {});
    const c = send(pools, srv.port, { path: '/c' });
    queued.destroy();
    expect((await a).body.toString()).toBe('done /a');
    expect((await c).body.toString()).toBe('done /c');
    expect(urls).toEqual(['/a', '/c']);
    expect(queuedResponses).toBe(0);
    expect(srv.connections).toBe(1);
  });

  it('an abandoned response body closes its connection, which is not reused', async () => {
    const srv = await httpServer((req, res) => {
      if (req.url !== '/slow') return void res.end('ok');
      // 50 chunks 20 ms apart: about a second in all
      res.writeHead(200, { 'content-type': 'text/plain' });
      let i = 0;
      const timer = setInterval(() => {
        if (res.destroyed || i++ >= 50) {
          clearInterval(timer);
          res.end();
          return;
        }
        res.write(`chunk ${i}\n`);
      }, 20);
      res.on('close', () => clearInterval(timer));
    });
    const pools = newPools();
    const req = start(pools, srv.port, { path: '/slow' });
    const res = await bounded(
      new Promise<H1Response>((resolve, reject) => {
        req.on('response', resolve);
        req.on('error', reject);
      }),
      5_000,
      'response',
    );
    res.on('error', () => {});
    await bounded(new Promise((r) => res.once('data', r)), 2_000, 'first chunk');
    res.destroy();
    const t0 = Date.now();
    await waitFor(() => srv.closedAt[0] !== undefined, 2_000, 'the server to see the connection close');
    expect(Date.now() - t0).toBeLessThan(500);
    expect(res.complete).toBe(false);
    const next = await send(pools, srv.port);
    expect(next.body.toString()).toBe('ok');
    expect(srv.connections).toBe(2);
  });

  it('fails every queued request when connections to the endpoint are refused', async () => {
    const port = await deadPort();
    const pools = newPools({ maxConnections: 1 });
    const errs = await Promise.all([1, 2, 3].map(() => errorOf(start(pools, port))));
    expect(errs.map((e) => e.code)).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
  });

  it('pools.destroy() fails the requests in flight and queued, and closes the connections', async () => {
    const srv = await httpServer(() => {}); // never answers
    const pools = newPools({ maxConnections: 1 });
    const inFlight = start(pools, srv.port);
    const queued = start(pools, srv.port);
    const errors = [errorOf(inFlight), errorOf(queued)];
    await waitFor(() => srv.connections === 1, 2_000, 'the connection');
    pools.destroy();
    expect((await Promise.all(errors)).map((e) => e.code)).toEqual(['ECONNRESET', 'ECONNRESET']);
    await waitFor(() => srv.open === 0, 2_000, 'the server to see the close');
    expect(srv.connections).toBe(1);
  });

  it('drops an idle connection on which the server sends an unsolicited response', async () => {
    const srv = await rawServer((sock, conn) => {
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      if (conn === 0) setTimeout(() => sock.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nextra'), 30);
    });
    const pools = newPools();
    await send(pools, srv.port);
    await waitFor(() => srv.closedAt[0] !== undefined, 2_000, 'the desynchronised connection to close');
    const r = await send(pools, srv.port);
    expect(r.body.toString()).toBe('ok');
    expect(srv.connections).toBe(2);
  });

  it('fails a malformed response without crashing, and the pool goes on', async () => {
    const srv = await rawServer((sock, conn) => {
      if (conn === 0) sock.write('this is not http\r\n\r\n');
      else sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const pools = newPools();
    const req = start(pools, srv.port);
    const err = await errorOf(req);
    expect(err).toBeInstanceOf(Error);
    await waitFor(() => srv.closedAt[0] !== undefined, 2_000, 'the bad connection to close');
    const r = await send(pools, srv.port);
    expect(r.body.toString()).toBe('ok');
    expect(srv.connections).toBe(2);
  });

  it('a body written into a connection the server has just closed fails the request, and nothing else', async () => {
    // The server runs in its own thread, so it closes the connection while this thread is busy and has not
    // read the FIN: the head written into it draws a RST, and the body write right after fails with EPIPE.
    // That error once also reached the body stream as an 'error' nobody listened for, which crashed the agent.
    const worker = new Worker(
      `const net = require('node:net');
       const { parentPort } = require('node:worker_threads');
       const srv = net.createServer((s) => s.once('data', () => {
         s.write('HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n');
         setTimeout(() => s.destroy(), 20);
       }));
       srv.listen(0, '127.0.0.1', () => parentPort.postMessage(srv.address().port));`,
      { eval: true },
    );
    cleanups.push(async () => {
      await worker.terminate();
    });
    const port = await new Promise<number>((r) => worker.once('message', r));
    const pools = newPools();
    const outcome = await new Promise<string>((resolve) => {
      const first = start(pools, port);
      first.on('error', (e: Error) => resolve(`the first request failed: ${e.message}`));
      first.on('response', (res: H1Response) => {
        // once 'end' has run, the connection is back in the pool: reuse it from a microtask
        res.on('end', () =>
          queueMicrotask(() => {
            const until = Date.now() + 100;
            while (Date.now() < until); // the server closes the connection meanwhile
            const req = start(pools, port, {
              method: 'POST',
              headers: ['content-length', '10'],
              body: ['hello', 'world'],
            });
            req.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code}`));
            req.on('response', () => resolve('a response'));
          }),
        );
        res.resume();
      });
    });
    expect(outcome).toMatch(/^error (EPIPE|ECONNRESET)$/);
  });

  it('fails a response whose chunked body is malformed after a good head', async () => {
    const srv = await rawServer((sock) => {
      sock.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
      setTimeout(() => sock.write('zz-not-hex\r\n\r\n'), 20);
    });
    const pools = newPools();
    const { res, err } = await bodyErrorOf(start(pools, srv.port), 'a malformed body');
    expect(err).toBeInstanceOf(Error);
    expect(res.complete).toBe(false);
    await waitFor(() => srv.open === 0, 2_000, 'the bad connection to close');
  });

  it.each([
    ['CR LF', 'a\r\nx-injected: 1'],
    ['LF', 'a\nx-injected: 1'],
    ['CR', 'a\rx'],
    ['NUL', 'a\0b'],
  ])('refuses a header value with %s (TypeError, nothing sent)', async (_what, value) => {
    const srv = await httpServer((_req, res) => res.end('ok'));
    const pools = newPools();
    expect(() => start(pools, srv.port, { headers: ['x-ok', 'fine', 'x-bad', value] })).toThrow(TypeError);
    await sleep(30);
    expect(srv.connections).toBe(0);
    // the pool is unaffected
    expect((await send(pools, srv.port)).body.toString()).toBe('ok');
  });

  it.each(['bad name', 'bad:name', 'bad\r\nname', ''])(
    'refuses a header name %j (TypeError, nothing sent)',
    async (name) => {
      const srv = await httpServer((_req, res) => res.end('ok'));
      const pools = newPools();
      expect(() => start(pools, srv.port, { headers: [name, 'v'] })).toThrow(TypeError);
      await sleep(30);
      expect(srv.connections).toBe(0);
    },
  );

  it.each([
    ['path with CR LF', { path: '/a HTTP/1.1\r\nx-injected: 1\r\n\r\nGET /b' }],
    ['path with a space', { path: '/a b' }],
    ['method with CR LF', { method: 'GET / HTTP/1.1\r\nx-injected: 1\r\n\r\nGET' }],
    ['method with a space', { method: 'GET /x' }],
  ])('refuses a request line injection: %s (TypeError, nothing sent)', async (_what, o) => {
    const heads: string[] = [];
    const srv = await rawServer((sock, _c, _n, head) => {
      heads.push(head);
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const pools = newPools();
    let threw: unknown;
    try {
      const req = start(pools, srv.port, o);
      req.on('error', () => {});
      req.on('response', (res: H1Response) => res.resume());
    } catch (e) {
      threw = e;
    }
    await sleep(50);
    expect(threw).toBeInstanceOf(TypeError);
    expect(heads).toEqual([]);
  });
});
