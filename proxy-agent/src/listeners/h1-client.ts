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
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { TLSSocket } from 'node:tls';

interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | Error;
  finish(): number | Error | undefined;
  close(): void;
  [k: number]: unknown;
}
interface ParserClass {
  new (): NativeParser;
  REQUEST: number;
  RESPONSE: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
}

const HTTPParser = (createRequire(import.meta.url)('_http_common') as { HTTPParser: ParserClass }).HTTPParser;
const kOnHeaders = HTTPParser.kOnHeaders | 0;
const kOnHeadersComplete = HTTPParser.kOnHeadersComplete | 0;
const kOnBody = HTTPParser.kOnBody | 0;
const kOnMessageComplete = HTTPParser.kOnMessageComplete | 0;

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

/** The upstream response, shaped like the parts of IncomingMessage the listeners read. */
export class H1Response extends Readable {
  statusCode = 0;
  statusMessage = '';
  rawHeaders: string[] = [];
  /** lower-case names, no prototype (a header named `constructor` is just a header) */
  headers: IncomingHttpHeaders = Object.create(null) as IncomingHttpHeaders;
  complete = false;
  /** the connection that carried it (a TLSSocket for mTLS: the verified peer identity is on it) */
  socket: Socket | null = null;
  /** set while the socket is paused for this body's backpressure */
  resumeUpstream: (() => void) | undefined;

  /** set by the connection: a body abandoned before its end closes the connection */
  abandon: (() => void) | undefined;

  override _read(): void {
    const r = this.resumeUpstream;
    this.resumeUpstream = undefined;
    r?.();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.complete) this.abandon?.();
    cb(err);
  }
}

// The proxy frames bodies itself and has already answered `Expect: 100-continue`.
const DROPPED = new Set(['transfer-encoding', 'expect', 'connection', 'keep-alive', 'upgrade']);
const INVALID_VALUE = /[\r\n\0]/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// as Node's http.request: no controls, spaces or DEL in a request target
const INVALID_PATH = /[^\u0021-\u007e\u0080-\u00ff]/;

function socketError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/** Request line and headers; `chunked` when a body of unknown length follows. */
function requestHead(host: string, port: number, o: H1RequestOptions): { head: string; chunked: boolean } {
  if (!TOKEN.test(o.method)) throw new TypeError(`invalid request method ${JSON.stringify(o.method)}`);
  if (INVALID_PATH.test(o.path)) throw new TypeError(`invalid request path ${JSON.stringify(o.path)}`);
  let head = `${o.method} ${o.path} HTTP/1.1\r\n`;
  let hasHost = false;
  let hasLength = false;
  const h = o.headers;
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i] as string;
    const value = h[i + 1] as string;
    const lower = name.toLowerCase();
    if (DROPPED.has(lower)) continue;
    if (!TOKEN.test(name) || INVALID_VALUE.test(value))
      throw new TypeError(`invalid request header ${JSON.stringify(name)}`);
    if (lower === 'host') hasHost = true;
    else if (lower === 'content-length') hasLength = true;
    head += `${name}: ${value}\r\n`;
  }
  if (!hasHost) head += `host: ${host.includes(':') ? `[${host}]` : host}:${port}\r\n`;
  const chunked = o.hasBody && !hasLength;
  if (chunked) head += 'transfer-encoding: chunked\r\n';
  return { head: `${head}\r\n`, chunked };
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
  readonly head: string;
  readonly chunked: boolean;
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
    const { head, chunked } = requestHead(host, port, o);
    this.head = head;
    this.chunked = chunked;
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
    this.socket.write(req.head, 'latin1');
    req.assigned(this);
  }

  writeBody(chunk: Buffer, chunked: boolean, cb: (err?: Error | null) => void): void {
    // a body for a request already answered or failed goes nowhere (its failure is reported once, there)
    if (this.closed || this.req?.conn !== this) return cb();
    if (chunk.length === 0) return cb();
    const s = this.socket;
    if (chunked) {
      s.cork();
      s.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      s.write(chunk);
      s.write('\r\n', 'latin1', cb);
      s.uncork();
    } else s.write(chunk, cb);
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
    res.abandon = () => {
      if (this.req === req) this.abort(socketError('ECONNRESET', 'response abandoned'));
    };
    const obj = res.headers;
    for (let i = 0; i < raw.length; i += 2) {
      const lower = (raw[i] as string).toLowerCase();
      const value = raw[i + 1] as string;
      const prev = obj[lower];
      if (prev === undefined) obj[lower] = value;
      else if (Array.isArray(prev)) prev.push(value);
      else obj[lower] = lower === 'set-cookie' ? [prev, value] : `${prev}, ${value}`;
      if (lower === 'keep-alive') this.keepAliveHint(value);
    }
    req.gotResponse(res);
    return req.method === 'HEAD' || NO_BODY_STATUS(status) ? 1 : 0;
  }

  /**
   * `Keep-Alive: timeout=N`: stop reusing our idle connection a second before the server closes it (half
   * of N for N = 1), so that we never write into a connection the server is closing.
   */
  private keepAliveHint(value: string): void {
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
    if (!res.push(b)) {
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
    res.complete = true;
    res.push(null);
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
