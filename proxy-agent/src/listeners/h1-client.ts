/**
 * The upstream HTTP/1.1 client: keep-alive pools of plain or TLS connections, framed by hand, parsed by
 * Node's own llhttp binding (the parser `node:http` uses, from `_http_common`).
 *
 * Why not undici or `http.request` (ADR 0004): behind the same `node:http` server, a minimal proxy pair
 * cost 88 µs of CPU per request per process with undici's `Pool.dispatch` and 58 µs with this client
 * (`http.request` costs more than undici). It also knows which connection carried a response, so mTLS
 * upstreams report the peer identity verified on it (`response.socket`).
 *
 * What it does: one pool per endpoint (LIFO reuse, connection limit with a FIFO queue, idle close, the
 * server's `Keep-Alive: timeout` hint, maxRequestsPerConnection), Content-Length or chunked request
 * bodies with backpressure, 1xx responses skipped, HEAD and bodiless statuses, bodies until close, a
 * response body as a Readable with backpressure to the socket. No pipelining: one request per connection
 * at a time, as Envoy and Node do for HTTP/1.1.
 */
import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { assembleHead, headerMask, INVALID_VALUE, TOKEN } from './head-bytes.js';
import { headersObject } from './header-object.js';
import {
  HTTPParser,
  kOnBody,
  kOnHeaders,
  kOnHeadersComplete,
  kOnMessageComplete,
  type NativeParser,
} from './llhttp.js';

const EMPTY = Buffer.alloc(0);

export interface PoolOptions {
  /** connections per endpoint; Infinity = no limit (requests beyond it wait in a queue) */
  maxConnections: number;
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  /** 0 = unlimited */
  maxRequestsPerConnection: number;
  /** opens a connection (plain with noDelay, or TLS) to host:port */
  connect(host: string, port: number): Socket;
}

export interface H1RequestOptions {
  method: string;
  path: string;
  /** flat [name, value, …] list, hop-by-hop headers already removed */
  headers: string[];
  /** whether a request body follows (written to `bodySink()`) */
  hasBody: boolean;
}

/** Bytes a response holds for a reader that is not reading before the connection stops reading (Readable's default). */
const RESPONSE_HIGH_WATER = 16 * 1024;

/**
 * The upstream response, shaped like the parts of IncomingMessage the listeners read: 'data', 'end',
 * 'close' and 'error' events, pause/resume and destroy, with backpressure to the connection.
 *
 * Not a stream.Readable: a Readable's state, its nextTick-scheduled reads and ends, and the tick processing
 * they cause were ~3 KB of the ~13 KB the outbound agent allocated per request (heap sampling at 1,000
 * req/s), and allocation rate is what sets how often the agent pauses to scavenge. Chunks are handed to
 * 'data' listeners as they are parsed; while nobody reads (no 'data' listener yet, or paused) they are
 * held, and past RESPONSE_HIGH_WATER bytes the connection stops reading until the reader resumes.
 * `resume()` without a 'data' listener drops the body, as Readable's does.
 */
export class H1Response extends EventEmitter {
  statusCode = 0;
  statusMessage = '';
  rawHeaders: string[] = [];
  private headersCache: IncomingHttpHeaders | undefined;
  /** the whole body arrived */
  complete = false;
  destroyed = false;
  /** the connection that carried it (a TLSSocket for mTLS: the verified peer identity is on it) */
  socket: Socket | null = null;
  /** set while the socket is paused for this body's backpressure */
  resumeUpstream: (() => void) | undefined;
  /** the connection and request it answers: a body abandoned before its end closes the connection */
  conn: Connection | undefined;
  req: H1Request | undefined;
  /** Content-Length as received (the last one), read while the head was parsed */
  contentLength: string | undefined;

  private flowing = false;
  private paused = false;
  private held: Buffer[] | undefined;
  private heldBytes = 0;
  private flushScheduled = false;
  private endEmitted = false;

  /** node:http's headers object, made on first use (most responses are relayed from rawHeaders alone) */
  get headers(): IncomingHttpHeaders {
    return (this.headersCache ??= headersObject(this.rawHeaders));
  }

  override on(event: string | symbol, listener: Parameters<EventEmitter['on']>[1]): this {
    super.on(event, listener);
    if (event === 'data' && !this.paused) this.startFlowing();
    return this;
  }

  /** Starts (or goes on) delivering the body; with no 'data' listener the body is read and dropped. */
  resume(): this {
    this.paused = false;
    this.startFlowing();
    return this;
  }

  pause(): this {
    this.paused = true;
    this.flowing = false;
    return this;
  }

  /** Lets the body go: before its end, the connection that carries it is closed. */
  destroy(err?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.held = undefined;
    if (!this.complete && this.req) this.conn?.abandoned(this.req);
    // a cut body is also told by 'close' without 'end' (complete false): no listener, no crash
    if (err && this.listenerCount('error') > 0) this.emit('error', err);
    this.emit('close');
    return this;
  }

  /** From the connection: a body chunk. false = stop reading until `resumeUpstream` is called. */
  pushChunk(chunk: Buffer): boolean {
    if (this.destroyed) return true;
    if (this.flowing && this.held === undefined) {
      this.emit('data', chunk);
      return this.flowing;
    }
    (this.held ??= []).push(chunk);
    this.heldBytes += chunk.length;
    return this.heldBytes < RESPONSE_HIGH_WATER;
  }

  /** From the connection: the body is complete. */
  pushEnd(): void {
    this.complete = true;
    if (this.flowing && this.held === undefined) this.emitEnd();
  }

  private startFlowing(): void {
    if (this.flowing || this.destroyed) return;
    this.flowing = true;
    if (this.held !== undefined || this.complete) {
      // as a Readable: what was held arrives after the caller has attached its other listeners
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(() => this.flush());
      }
    } else this.wakeUpstream();
  }

  private flush(): void {
    this.flushScheduled = false;
    const held = this.held;
    if (held) {
      while (this.flowing && !this.destroyed && held.length > 0) {
        const c = held.shift() as Buffer;
        this.heldBytes -= c.length;
        this.emit('data', c);
      }
      if (held.length > 0) return; // paused again
      this.held = undefined;
    }
    if (!this.flowing || this.destroyed) return;
    if (this.complete) this.emitEnd();
    else this.wakeUpstream();
  }

  private wakeUpstream(): void {
    const r = this.resumeUpstream;
    this.resumeUpstream = undefined;
    r?.();
  }

  private emitEnd(): void {
    if (this.endEmitted) return;
    this.endEmitted = true;
    this.emit('end');
    this.destroyed = true;
    this.emit('close');
  }
}

// The proxy frames bodies itself and has already answered `Expect: 100-continue`.
const DROPPED = new Set(['transfer-encoding', 'expect', 'connection', 'keep-alive', 'upgrade']);
// as Node's http.request: no controls, spaces or DEL in a request target
const INVALID_PATH = /[^\u0021-\u007e\u0080-\u00ff]/;

function socketError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/** Request line and headers into `req.head`; `req.chunked` when a body of unknown length follows. */
function requestHead(
  host: string,
  port: number,
  o: H1RequestOptions,
  req: { head: Buffer; chunked: boolean },
): void {
  if (!TOKEN.test(o.method)) throw new TypeError(`invalid request method ${JSON.stringify(o.method)}`);
  if (INVALID_PATH.test(o.path)) throw new TypeError(`invalid request path ${JSON.stringify(o.path)}`);
  let hasHost = false;
  let hasLength = false;
  const h = o.headers;
  const keep = headerMask(h.length >> 1);
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i] as string;
    const value = h[i + 1] as string;
    keep[i >> 1] = 0;
    // only names of the lengths that matter are lower-cased (it allocates for a name with capitals)
    const n = name.length;
    let lower: string | undefined;
    if (n === 4 || n === 6 || n === 7 || n === 10 || n === 14 || n === 17) {
      lower = name.toLowerCase();
      if (DROPPED.has(lower)) continue;
    }
    if (!TOKEN.test(name) || INVALID_VALUE.test(value))
      throw new TypeError(`invalid request header ${JSON.stringify(name)}`);
    if (lower === 'host') hasHost = true;
    else if (lower === 'content-length') hasLength = true;
    keep[i >> 1] = 1;
  }
  let tail = '\r\n';
  const chunked = o.hasBody && !hasLength;
  if (chunked) tail = 'transfer-encoding: chunked\r\n\r\n';
  if (!hasHost) tail = `host: ${host.includes(':') ? `[${host}]` : host}:${port}\r\n${tail}`;
  req.head = assembleHead(o.method, o.path, 'HTTP/1.1', h, keep, tail);
  req.chunked = chunked;
}

/**
 * One request on a pool: emits 'response' (an H1Response) or 'error', like a ClientRequest; the request
 * body, when there is one, is written to `bodySink()`.
 */
export class H1Request extends EventEmitter {
  /** the attempt failed on a connection that had carried earlier requests (a stale keep-alive) */
  reusedSocket = false;
  readonly method: string;
  /** request head (bytes to send first) */
  head: Buffer = EMPTY;
  chunked = false;
  conn: Connection | undefined;
  response: H1Response | undefined;
  bodyDone: boolean;
  destroyed = false;
  /** answered or failed: the rest of a request body goes nowhere */
  detached = false;
  private sink: BodySink | undefined;
  private settled = false;

  private readonly pool: H1Pool;

  constructor(pools: H1Pools, host: string, port: number, o: H1RequestOptions) {
    super();
    this.method = o.method;
    this.bodyDone = !o.hasBody;
    requestHead(host, port, o, this);
    this.pool = pools.pool(host, port);
    this.pool.enqueue(this);
  }

  bodySink(): Writable {
    this.sink ??= new BodySink(this);
    return this.sink;
  }

  /** Called when a connection is ours and the head is written: any body written so far follows. */
  assigned(conn: Connection): void {
    this.conn = conn;
    this.sink?.flush();
  }

  /** the connection is done with this request (and may carry another) */
  released(): void {
    this.conn = undefined;
    this.detached = true;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const err = socketError('ECONNRESET', 'request aborted');
    this.sink?.destroy();
    const conn = this.conn;
    if (conn && conn.req === this) conn.abort(err);
    else {
      this.pool.dequeue(this);
      this.failed(err, false);
    }
  }

  /** the connection failed or closed before this request completed */
  failed(err: NodeJS.ErrnoException, reused: boolean): void {
    this.sink?.destroy();
    const res = this.response;
    if (res) {
      if (!res.complete) res.destroy(err);
      return;
    }
    if (this.settled) return;
    this.settled = true;
    this.reusedSocket = reused;
    if (this.listenerCount('error') > 0) process.nextTick(() => this.emit('error', err));
  }

  gotResponse(res: H1Response): void {
    this.settled = true;
    this.response = res;
    this.emit('response', res);
  }
}

/** The request body: framed (chunked or as-is) onto the connection, held until one is assigned. */
class BodySink extends Writable {
  private pending: Array<{ chunk: Buffer; cb: (err?: Error | null) => void }> = [];
  private pendingFinal: ((err?: Error | null) => void) | undefined;

  constructor(private readonly req: H1Request) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const conn = this.req.conn;
    if (!conn) {
      if (this.req.detached) return cb();
      this.pending.push({ chunk, cb });
      return;
    }
    conn.writeBody(chunk, this.req.chunked, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    const conn = this.req.conn;
    if (!conn) {
      if (this.req.detached) return cb();
      this.pendingFinal = cb;
      return;
    }
    conn.endBody(this.req.chunked);
    cb();
  }

  flush(): void {
    const conn = this.req.conn;
    if (!conn) return;
    const p = this.pending;
    this.pending = [];
    for (const { chunk, cb } of p) conn.writeBody(chunk, this.req.chunked, cb);
    const f = this.pendingFinal;
    this.pendingFinal = undefined;
    if (f) {
      conn.endBody(this.req.chunked);
      f();
    }
  }
}

const NO_BODY_STATUS = (s: number) => s === 204 || s === 304;

/** One upstream connection and its response parser. */
export class Connection {
  readonly parser: NativeParser;
  req: H1Request | undefined;
  /** requests started on this connection */
  requests = 0;
  idleSince = 0;
  /** ms idle after which we close it (our idle timeout, or less if the server said so) */
  idleLimitMs: number;
  keepAlive = true;
  closed = false;
  /** header lines flushed early by the parser (more than 32 of them, or trailers) */
  private headers: string[] = [];
  private lastHint: string | undefined;
  private connectTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly socket: Socket,
    private readonly pool: H1Pool,
  ) {
    this.idleLimitMs = pool.opts.idleTimeoutMs;
    const p = new HTTPParser();
    p.initialize(HTTPParser.RESPONSE, {}, 0, 0);
    this.parser = p;
    p[kOnHeaders] = (headers: string[]) => {
      this.headers.push(...headers);
    };
    p[kOnHeadersComplete] = (
      _major: number,
      _minor: number,
      headers: string[] | undefined,
      _method: unknown,
      _url: unknown,
      status: number,
      message: string,
      _upgrade: boolean,
      keepAlive: boolean,
    ) => this.onHead(headers, status, message, keepAlive);
    p[kOnBody] = (b: Buffer) => this.onBody(b);
    p[kOnMessageComplete] = () => this.onComplete();
    const secure = socket instanceof TLSSocket;
    this.connectTimer = setTimeout(() => {
      socket.destroy(socketError('ECONNECTTIMEOUT', 'connect timeout'));
    }, pool.opts.connectTimeoutMs);
    // connectTimeout covers the TLS handshake too; writes made before it are queued by the socket
    socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(this.connectTimer));
    socket.on('data', (d: Buffer) => {
      const r = p.execute(d);
      if (typeof r !== 'number') socket.destroy(r);
    });
    socket.on('end', () => {
      // a body delimited by the close ends here; anything else is a truncated response
      if (this.req?.response) this.parser.finish();
      socket.destroy();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => this.onClose(err));
    socket.on('close', () => this.onClose(undefined));
  }

  /** idle past its limit (ours, or the server's Keep-Alive hint): not to be reused */
  expired(now: number): boolean {
    return now - this.idleSince >= this.idleLimitMs;
  }

  /** Starts `req` on this connection: head now, its body as it is written. */
  start(req: H1Request): void {
    this.req = req;
    this.requests++;
    this.socket.write(req.head);
    req.assigned(this);
  }

  writeBody(chunk: Buffer, chunked: boolean, cb: (err?: Error | null) => void): void {
    // a body for a request already answered or failed goes nowhere (its failure is reported once, there)
    if (this.closed || this.req?.conn !== this) return cb();
    if (chunk.length === 0) return cb();
    const s = this.socket;
    // A write error is the connection's failure, which reaches the request once (its 'error', or its
    // response cut short) when the socket closes. Handed to the body stream as well, it became an 'error'
    // event nobody listened for, and crashed the agent: seen as EPIPE when an OTLP export was written into
    // a keep-alive connection the collector had just closed.
    const written = () => cb();
    if (chunked) {
      s.cork();
      s.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      s.write(chunk);
      s.write('\r\n', 'latin1', written);
      s.uncork();
    } else s.write(chunk, written);
  }

  endBody(chunked: boolean): void {
    const req = this.req;
    if (!req || req.conn !== this) return;
    req.bodyDone = true;
    if (chunked && !this.closed) this.socket.write('0\r\n\r\n', 'latin1');
  }

  private onHead(headers: string[] | undefined, status: number, message: string, keepAlive: boolean): number {
    let raw = headers;
    if (!raw) {
      raw = this.headers;
      this.headers = [];
    }
    const req = this.req;
    // 1xx (100 Continue, 103 Early Hints): the final head follows; 101 is never asked for here
    if (status < 200) return 1;
    if (!req) {
      this.socket.destroy();
      return 1;
    }
    this.keepAlive = keepAlive;
    const res = new H1Response();
    res.statusCode = status;
    res.statusMessage = message;
    res.rawHeaders = raw;
    res.socket = this.socket;
    res.conn = this;
    res.req = req;
    // only the headers the client itself needs, without lower-casing every name
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] as string;
      if (name.length === 14 && name.toLowerCase() === 'content-length') res.contentLength = raw[i + 1];
      else if (name.length === 10 && name.toLowerCase() === 'keep-alive')
        this.keepAliveHint(raw[i + 1] as string);
    }
    req.gotResponse(res);
    return req.method === 'HEAD' || NO_BODY_STATUS(status) ? 1 : 0;
  }

  /**
   * `Keep-Alive: timeout=N`: stop reusing our idle connection a second before the server closes it (half
   * of N for N = 1), so that we never write into a connection the server is closing.
   */
  private keepAliveHint(value: string): void {
    // a server repeats the same hint on every response: read it once per connection
    if (value === this.lastHint) return;
    this.lastHint = value;
    const m = /timeout=(\d+)/i.exec(value);
    if (!m) return;
    const n = Number(m[1]);
    if (n === 0) {
      this.keepAlive = false;
      return;
    }
    const ms = Math.max(n * 1000 - 1000, n * 500);
    if (ms < this.idleLimitMs) this.idleLimitMs = ms;
  }

  private onBody(b: Buffer): void {
    const res = this.req?.response;
    if (!res || res.destroyed) return;
    if (!res.pushChunk(b)) {
      this.socket.pause();
      res.resumeUpstream = () => this.socket.resume();
    }
  }

  private onComplete(): void {
    // trailers arrive through kOnHeaders: they are not relayed, and must not prefix the next head
    if (this.headers.length > 0) this.headers = [];
    const req = this.req;
    const res = req?.response;
    if (!req || !res) return; // a 1xx message ended
    // The whole body is parsed and buffered in the response: the connection may read again (the next
    // request on it must not wait for this body's reader).
    if (res.resumeUpstream) {
      res.resumeUpstream = undefined;
      this.socket.resume();
    }
    res.pushEnd();
    // answered before the whole body was sent (an early 413, say): the rest of it goes nowhere
    if (!req.bodyDone) this.keepAlive = false;
    this.done();
  }

  /** request and response both complete: reuse the connection or close it */
  private done(): void {
    const req = this.req;
    this.req = undefined;
    req?.released();
    this.pool.release(this);
  }

  /** the reader of `req`'s response let it go before its end */
  abandoned(req: H1Request): void {
    if (this.req === req) this.abort(socketError('ECONNRESET', 'response abandoned'));
  }

  /** the request was abandoned mid-flight: the connection cannot be reused */
  abort(err: NodeJS.ErrnoException): void {
    const req = this.req;
    this.req = undefined;
    req?.released();
    this.socket.destroy();
    req?.failed(err, false);
  }

  private onClose(err: NodeJS.ErrnoException | undefined): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.connectTimer);
    const parser = this.parser;
    setImmediate(() => parser.close());
    this.pool.removed(this);
    const req = this.req;
    this.req = undefined;
    if (!req) return;
    req.released();
    const e = err ?? socketError('ECONNRESET', 'socket hang up');
    // Bytes read before this request's response: the connection had carried earlier requests.
    req.failed(e, this.requests > 1 && !req.response);
  }
}

/** Connections to one endpoint. */
export class H1Pool {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly queue: H1Request[] = [];

  constructor(
    readonly opts: PoolOptions,
    private readonly host: string,
    private readonly port: number,
    private readonly owner: H1Pools,
  ) {}

  enqueue(req: H1Request): void {
    let conn = this.idle.pop();
    // the sweep runs every so often: never hand out a connection past its idle limit in between
    const now = conn ? Date.now() : 0;
    while (conn?.expired(now)) {
      conn.socket.destroy();
      conn = this.idle.pop();
    }
    if (conn) return conn.start(req);
    if (this.all.size < this.opts.maxConnections) return this.open().start(req);
    this.queue.push(req);
  }

  dequeue(req: H1Request): void {
    const i = this.queue.indexOf(req);
    if (i >= 0) this.queue.splice(i, 1);
  }

  private open(): Connection {
    const conn = new Connection(this.opts.connect(this.host, this.port), this);
    this.all.add(conn);
    this.owner.watch();
    return conn;
  }

  release(conn: Connection): void {
    const max = this.opts.maxRequestsPerConnection;
    if (!conn.keepAlive || conn.closed || (max > 0 && conn.requests >= max)) {
      conn.socket.destroy();
      return;
    }
    const next = this.queue.shift();
    if (next) return conn.start(next);
    conn.idleSince = Date.now();
    this.idle.push(conn);
  }

  removed(conn: Connection): void {
    this.all.delete(conn);
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    // a slot is free: a waiting request gets a new connection
    const next = this.queue.shift();
    if (next) this.open().start(next);
  }

  /** Closes connections idle past their limit; true while the pool holds any connection. */
  sweep(now: number): boolean {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const c = this.idle[i] as Connection;
      if (c.expired(now)) {
        this.idle.splice(i, 1);
        c.socket.destroy();
      }
    }
    return this.all.size > 0;
  }

  destroy(): void {
    for (const r of this.queue.splice(0)) r.destroy();
    for (const c of this.all) c.socket.destroy();
  }
}

/** Keep-alive pools to the endpoints of one cluster (or to the local app), one per host:port. */
export class H1Pools {
  private readonly pools = new Map<string, H1Pool>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly opts: PoolOptions) {}

  pool(host: string, port: number): H1Pool {
    const key = `${host}:${port}`;
    let p = this.pools.get(key);
    if (!p) {
      p = new H1Pool(this.opts, host, port, this);
      this.pools.set(key, p);
    }
    return p;
  }

  /** Runs the idle sweep while any pool holds connections (an eighth of the idle timeout apart). */
  watch(): void {
    if (this.sweeper) return;
    const every = Math.max(50, Math.min(1000, this.opts.idleTimeoutMs / 8));
    this.sweeper = setInterval(() => {
      const now = Date.now();
      let any = false;
      for (const p of this.pools.values()) if (p.sweep(now)) any = true;
      if (!any) {
        clearInterval(this.sweeper);
        this.sweeper = undefined;
      }
    }, every);
    this.sweeper.unref();
  }

  destroy(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const p of this.pools.values()) p.destroy();
    this.pools.clear();
  }
}
