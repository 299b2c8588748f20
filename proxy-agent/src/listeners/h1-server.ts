/**
 * The listeners' HTTP/1.1 server: connections read with Node's own llhttp binding (the parser `node:http`
 * uses, from `_http_common`, as the upstream client in h1-client.ts does), requests handed to a handler as
 * a small request object and a response that frames its own bytes.
 *
 * Why not `http.createServer` (ADR 0004): the agent's own code is a small part of its CPU per request;
 * node:http's server machinery (IncomingMessage and ServerResponse streams, their headers and events) was
 * ~20 % of it, and the objects it allocates per request feed the scavenges that make the p99 tail.
 *
 * What it keeps of node:http's behaviour: keep-alive (HTTP/1.1 by default, HTTP/1.0 when asked) with
 * `Connection`/`Keep-Alive: timeout` headers on every answer, pipelined requests answered in order,
 * `Expect: 100-continue` answered at once (417 for other expectations), a Host header required on HTTP/1.1,
 * request bodies as Readables with backpressure (read and dropped when the handler answered without them),
 * Content-Length or chunked responses (close-delimited for HTTP/1.0 callers), HEAD/204/304 without a body,
 * a `Date` header, `Upgrade` handed to 'upgrade' listeners with the bytes read past the head (once the
 * answers owed before it are written) except `Upgrade: h2c`, which is served as a plain HTTP/1.1 request
 * without its upgrade headers (as Envoy does), 400/431/408 answers to malformed, oversized or too slow heads,
 * half-closed callers still answered, and the
 * keepAliveTimeout/headersTimeout of `SERVER_OPTIONS`.
 */
import { EventEmitter } from 'node:events';
import { type IncomingHttpHeaders, STATUS_CODES } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { assembleHead, headerMask, INVALID_VALUE, TOKEN } from './head-bytes.js';
import { headersObject } from './header-object.js';
import {
  HTTPParser,
  kOnBody,
  kOnHeaders,
  kOnHeadersComplete,
  kOnMessageBegin,
  kOnMessageComplete,
  METHODS,
  type NativeParser,
} from './llhttp.js';

export interface H1ServerOptions {
  /** idle time between requests on a keep-alive connection before it is closed (ms) */
  keepAliveTimeout: number;
  /** time allowed for a request head to arrive, from its first byte (ms) */
  headersTimeout: number;
}

/** A request as the listeners read it: the fields of IncomingMessage they use, and its body when it has one. */
export interface ServerRequest {
  readonly method: string;
  /** the request target as sent: origin-form (`/path?q`) or absolute-form (`http://host/path`) */
  readonly url: string;
  /** '1.1' or '1.0' */
  readonly httpVersion: string;
  /** lower-case names; repeated headers joined with ', ' (set-cookie: an array), as node:http does */
  readonly headers: IncomingHttpHeaders;
  /** [name, value, …] as received */
  readonly rawHeaders: string[];
  readonly socket: Socket;
  /** the request body, present when the head announced one (Content-Length > 0 or Transfer-Encoding) */
  readonly body: RequestBody | undefined;
}

export type RequestHandler = (req: ServerRequest, res: ServerResponse) => void;
export type UpgradeHandler = (req: ServerRequest, socket: Socket, head: Buffer) => void;

class Request implements ServerRequest {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly httpVersion: string,
    readonly headers: IncomingHttpHeaders,
    readonly rawHeaders: string[],
    readonly socket: Socket,
    readonly body: RequestBody | undefined,
    /** the caller allows the connection to stay open after this answer (llhttp's reading of the head) */
    readonly keepAlive: boolean,
  ) {}
}

/** A request body: chunks as parsed, with backpressure to the connection. */
export class RequestBody extends Readable {
  complete = false;
  /** set while the connection is paused for this body's reader */
  resumeSocket: (() => void) | undefined;
  /** the response was sent: whatever else arrives is read and dropped */
  dumped = false;

  override _read(): void {
    const r = this.resumeSocket;
    this.resumeSocket = undefined;
    r?.();
  }
}

/** `Upgrade: h2c` (RFC 7540 §3.2; dropped by RFC 9113): HTTP/2 over cleartext, asked for in an HTTP/1.1 request. */
function isH2cUpgrade(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() === 'h2c';
}

/** The head without its h2c upgrade: no Upgrade or HTTP2-Settings, and neither named in Connection. */
function withoutH2cUpgrade(raw: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (lower === 'upgrade' || lower === 'http2-settings') continue;
    let value = raw[i + 1] as string;
    if (lower === 'connection') {
      value = value
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '' && !/^(upgrade|http2-settings)$/i.test(t))
        .join(', ');
      if (value === '') continue;
    }
    out.push(name, value);
  }
  return out;
}

let dateCache = '';
let dateCacheUntil = 0;
function httpDate(now: number): string {
  if (now >= dateCacheUntil) {
    dateCache = new Date(now).toUTCString();
    dateCacheUntil = now - (now % 1000) + 1000;
    dateLines.clear();
  }
  return dateCache;
}

/** `Date: …\r\n` + `end`, made once per second for each `end` (keep-alive or close lines). */
const dateLines = new Map<string, string>();
function dateAnd(end: string): string {
  const date = httpDate(Date.now());
  let lines = dateLines.get(end);
  if (lines === undefined) {
    lines = `Date: ${date}\r\n${end}`;
    dateLines.set(end, lines);
  }
  return lines;
}

/**
 * The response to one request. `writeHead` takes a flat [name, value, …] list; the head is sent with the
 * first body bytes (one write for small answers). Emits 'finish' once the last byte is handed to the
 * socket, 'close' after it or when the connection goes away first, and 'drain' after a write that
 * returned false.
 */
export class ServerResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  /** end() was called */
  writableEnded = false;
  /** the whole response was written */
  finished = false;
  closed = false;
  /** the connection stays open after this answer (decided by writeHead) */
  keepAlive = false;
  private head: Buffer | undefined;
  private chunked = false;
  private noBody = false;
  private waitingDrain = false;

  constructor(
    private readonly conn: ServerConnection,
    readonly req: Request,
  ) {
    super();
  }

  /** Status and headers; framing (Content-Length, chunked or close), Connection and Date are added here. */
  writeHead(status: number, headers: readonly string[] = []): this {
    if (this.headersSent || this.head) throw new Error('response head already written');
    this.statusCode = status;
    const conn = this.conn;
    const req = this.req;
    let keepAlive = req.keepAlive && !conn.server.closing && !conn.ending;
    const keep = headerMask(headers.length >> 1);
    let hasLength = false;
    let te: string | undefined;
    let hasDate = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i] as string;
      const value = headers[i + 1] as string;
      keep[i >> 1] = 0;
      // a bad name or value from a config header operation is dropped, never written into the head
      if (!TOKEN.test(name) || INVALID_VALUE.test(value)) continue;
      switch (name.length) {
        case 4:
          if (name.toLowerCase() === 'date') hasDate = true;
          break;
        case 10:
          if (name.toLowerCase() === 'connection') {
            if (/\bclose\b/i.test(value)) keepAlive = false;
            continue; // written below, once
          }
          if (name.toLowerCase() === 'keep-alive') continue;
          break;
        case 14:
          if (name.toLowerCase() === 'content-length') hasLength = true;
          break;
        case 17:
          if (name.toLowerCase() === 'transfer-encoding') {
            te = value;
            continue; // written below, when this response has a body
          }
          break;
      }
      keep[i >> 1] = 1;
    }
    let tail = '';
    this.noBody = req.method === 'HEAD' || status === 204 || status === 304 || status < 200;
    if (!this.noBody && !hasLength) {
      if (te !== undefined && !/(?:^|,)\s*chunked\s*$/i.test(te)) {
        // an encoding other than chunked last: the body ends with the connection
        tail = `Transfer-Encoding: ${te}\r\n`;
        keepAlive = false;
      } else if (req.httpVersion === '1.1') {
        this.chunked = true;
        tail = te === undefined ? 'Transfer-Encoding: chunked\r\n' : `Transfer-Encoding: ${te}\r\n`;
      } else keepAlive = false;
    }
    this.keepAlive = keepAlive;
    const end = keepAlive ? conn.server.keepAliveLines : 'Connection: close\r\n\r\n';
    // the usual answer (no extra line, no Date of its own) ends with one cached string
    tail = hasDate
      ? tail + end
      : tail === ''
        ? dateAnd(end)
        : `${tail}Date: ${httpDate(Date.now())}\r\n${end}`;
    this.head = assembleHead(
      'HTTP/1.1',
      String(status),
      STATUS_CODES[status] ?? 'Unknown',
      headers,
      keep,
      tail,
    );
    return this;
  }

  private flushHead(): void {
    if (!this.head) this.writeHead(this.statusCode);
    this.headersSent = true;
    this.conn.socket.write(this.head as Buffer);
    this.head = undefined;
  }

  write(chunk: Buffer | string): boolean {
    if (this.writableEnded || this.closed || this.conn.socket.writableEnded) return false;
    const s = this.conn.socket;
    const first = !this.headersSent;
    if (first) {
      s.cork();
      this.flushHead();
    }
    let ok = true;
    const n = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (n > 0 && !this.noBody) {
      if (this.chunked) {
        if (!first) s.cork();
        s.write(`${n.toString(16)}\r\n`, 'latin1');
        s.write(chunk);
        ok = s.write('\r\n', 'latin1');
        if (!first) s.uncork();
      } else ok = s.write(chunk);
    }
    if (first) s.uncork();
    if (!ok && !this.waitingDrain) {
      this.waitingDrain = true;
      s.once('drain', () => {
        this.waitingDrain = false;
        this.emit('drain');
      });
    }
    return ok;
  }

  end(chunk?: Buffer | string): this {
    if (this.writableEnded || this.closed) return this;
    this.writableEnded = true;
    // the connection is being closed (the caller left): this answer cannot go out; 'close' will follow
    if (this.conn.socket.writableEnded) return this;
    const s = this.conn.socket;
    s.cork();
    if (!this.headersSent) this.flushHead();
    if (chunk !== undefined && !this.noBody) {
      const n = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      if (this.chunked) {
        if (n > 0) {
          s.write(`${n.toString(16)}\r\n`, 'latin1');
          s.write(chunk);
          s.write('\r\n0\r\n\r\n', 'latin1');
        } else s.write('0\r\n\r\n', 'latin1');
      } else if (n > 0) s.write(chunk);
    } else if (this.chunked) s.write('0\r\n\r\n', 'latin1');
    s.uncork();
    this.finished = true;
    this.emit('finish');
    this.conn.responseDone(this);
    return this;
  }

  /** Tears the connection down (node:http's res.destroy()): the caller sees the response cut. */
  destroy(): void {
    this.conn.socket.destroy();
  }

  /** 'close': after 'finish', or when the connection went away first */
  onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}

interface Exchange {
  req: Request;
  res: ServerResponse;
}

/** One accepted connection: its parser, the request being read, and the responses owed in order. */
class ServerConnection {
  readonly parser: NativeParser;
  /** no more requests are read: the connection closes once the answers being written are out */
  ending = false;
  /** the request whose head or body is being parsed */
  private parsing: Request | undefined;
  /** answered or being answered, oldest first: only the first may write */
  private readonly queue: Exchange[] = [];
  /** header lines flushed early by the parser (more than 32 of them) and the URL pieces with them */
  private headerLines: string[] = [];
  private urlPart = '';
  /** when the current head's first byte arrived (0 = not reading a head) */
  headStartedAt = 0;
  /** when the connection last became idle (no request read or owed) */
  idleSince: number;
  private upgradeReq: Request | undefined;
  /**
   * An upgrade pipelined behind requests still owed answers: it takes the socket once they are written
   * (answers go out in request order). Until then the socket is paused.
   */
  private heldUpgrade: { req: Request; head: Buffer } | undefined;
  /** an h2c upgrade was served as plain HTTP/1.1: llhttp stopped after it and must start afresh */
  private restartParser = false;
  private closed = false;
  /** the socket was handed to an upgrade tunnel */
  detached = false;

  constructor(
    readonly socket: Socket,
    readonly server: H1Server,
  ) {
    this.idleSince = Date.now();
    const p = new HTTPParser();
    p.initialize(HTTPParser.REQUEST, {}, 0, 0);
    this.parser = p;
    p[kOnMessageBegin] = () => {
      this.headStartedAt = Date.now();
    };
    p[kOnHeaders] = (headers: string[], url: string) => {
      for (let i = 0; i < headers.length; i++) this.headerLines.push(headers[i] as string);
      this.urlPart += url;
    };
    p[kOnHeadersComplete] = (
      major: number,
      minor: number,
      headers: string[] | undefined,
      method: number,
      url: string | undefined,
      _status: unknown,
      _message: unknown,
      upgrade: boolean,
      keepAlive: boolean,
    ) => this.onHead(major, minor, headers, method, url, upgrade, keepAlive);
    p[kOnBody] = (b: Buffer) => this.onBody(b);
    p[kOnMessageComplete] = () => this.onComplete();
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('end', () => this.onEnd());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onClose());
  }

  onData(d: Buffer): void {
    if (this.ending) return;
    const r = this.parser.execute(d);
    if (typeof r !== 'number') return this.onParseError(r);
    if (this.restartParser) {
      // llhttp took the request for an upgrade and stopped after it; what follows is HTTP/1.1 again
      this.restartParser = false;
      this.parser.initialize(HTTPParser.REQUEST, {}, 0, 0);
      if (r < d.length) this.onData(d.subarray(r));
      return;
    }
    const up = this.upgradeReq;
    if (up) {
      this.upgradeReq = undefined;
      // Handed over at once, the tunnel would own a socket that earlier answers are still to be written
      // to, and those exchanges would never learn that it closed.
      if (this.queue.length > 0) {
        this.heldUpgrade = { req: up, head: d.subarray(r) };
        this.socket.pause();
        return;
      }
      this.upgrade(up, d.subarray(r));
    }
  }

  private upgrade(req: Request, head: Buffer): void {
    this.detach();
    this.server.emit('upgrade', req, this.socket, head);
  }

  private onHead(
    major: number,
    minor: number,
    headers: string[] | undefined,
    methodIndex: number,
    url: string | undefined,
    upgrade: boolean,
    keepAlive: boolean,
  ): number {
    this.headStartedAt = 0;
    // after a refused head nothing else in the same bytes is a request (it may be that head's body)
    if (this.ending) return 1;
    let raw = headers;
    if (!raw) {
      raw = this.headerLines;
      this.headerLines = [];
    }
    const target = url ?? this.urlPart;
    this.urlPart = '';
    const method = METHODS[methodIndex] ?? 'GET';
    const version = major === 1 && minor === 1 ? '1.1' : `${major}.${minor}`;
    let obj = headersObject(raw);
    if (upgrade && isH2cUpgrade(obj.upgrade)) {
      // Not tunnelled: an app that switched to HTTP/2 would take every later request on the connection
      // past routing, policy and telemetry ("h2c smuggling"). Envoy serves it as HTTP/1.1 the same way.
      raw = withoutH2cUpgrade(raw);
      obj = headersObject(raw);
      upgrade = false;
      this.restartParser = true;
    }
    // RFC 9112 §3.2: a request without Host (HTTP/1.1), or with more than one, is answered 400. Two Host
    // headers come joined with ', ' here, and no host has a comma: one check for both.
    const host = obj.host;
    if ((version === '1.1' && host === undefined) || host?.includes(',')) {
      this.fail(400, 'Bad Request');
      return 1;
    }
    if (method === 'CONNECT') {
      // No CONNECT tunnels through the agent (node:http without a 'connect' listener closes too).
      this.fail(405, 'Method Not Allowed');
      return 1;
    }
    const cl = obj['content-length'];
    const withBody = cl !== undefined ? cl !== '0' : obj['transfer-encoding'] !== undefined;
    const req = new Request(
      method,
      target,
      version,
      obj,
      raw,
      this.socket,
      withBody && !upgrade ? new RequestBody() : undefined,
      keepAlive,
    );
    if (upgrade) {
      if (this.server.listenerCount('upgrade') === 0) {
        this.fail(400, 'Bad Request');
        return 1;
      }
      this.upgradeReq = req;
      return 2; // llhttp stops after the head: what follows belongs to the tunnel
    }
    this.parsing = req;
    const ex: Exchange = { req, res: new ServerResponse(this, req) };
    this.queue.push(ex);
    if (this.queue.length === 1) this.dispatch(ex);
    else if (this.queue.length > 16) this.socket.pause(); // resumed as the queue drains
    return 0;
  }

  private dispatch(ex: Exchange): void {
    const expect = ex.req.headers.expect;
    if (expect !== undefined) {
      if (expect.toLowerCase() !== '100-continue') {
        ex.res.writeHead(417, ['content-length', '0']).end();
        return;
      }
      if (ex.req.httpVersion === '1.1') this.socket.write('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
    }
    this.server.handler(ex.req, ex.res);
  }

  private onBody(b: Buffer): void {
    if (this.ending) return;
    const body = this.parsing?.body;
    if (!body || body.dumped || body.destroyed) return;
    if (!body.push(b)) {
      this.socket.pause();
      body.resumeSocket = () => this.resumeReading();
    }
  }

  private onComplete(): void {
    if (this.headerLines.length > 0) this.headerLines = []; // trailers: not relayed
    this.urlPart = '';
    const req = this.parsing;
    this.parsing = undefined;
    if (this.queue.length === 0) this.idleSince = Date.now(); // an answered request's body ended
    const body = req?.body;
    if (!body) return;
    body.complete = true;
    if (body.resumeSocket) {
      body.resumeSocket = undefined;
      this.resumeReading();
    }
    if (!body.dumped) body.push(null);
  }

  /** Reads again unless too many answers are owed or the body being read waits for its reader. */
  private resumeReading(): void {
    if (this.heldUpgrade) return;
    if (this.queue.length <= 16 && this.parsing?.body?.resumeSocket === undefined) this.socket.resume();
  }

  /** The first exchange in the queue finished its response: close, answer the next one, or go idle. */
  responseDone(res: ServerResponse): void {
    const q = this.queue;
    if (q[0]?.res !== res) return;
    q.shift();
    res.onClosed();
    const body = res.req.body;
    if (body && !body.complete) {
      // answered before the body arrived: read the rest and drop it, so the connection can carry on
      body.dumped = true;
      body.resumeSocket = undefined;
    }
    if (!res.keepAlive) return this.end();
    const next = q[0];
    const held = this.heldUpgrade;
    if (!next && held) {
      // after the handler that wrote this answer has returned, as a next request is dispatched
      this.heldUpgrade = undefined;
      process.nextTick(() => {
        if (!this.closed) this.upgrade(held.req, held.head);
      });
      return;
    }
    this.resumeReading();
    if (next) {
      process.nextTick(() => {
        if (!this.closed && q[0] === next) this.dispatch(next);
      });
    } else if (!this.parsing) this.idleSince = Date.now();
  }

  /** Nothing read or owed: safe to close without cutting a request. */
  get idle(): boolean {
    return this.queue.length === 0 && this.parsing === undefined && this.headStartedAt === 0;
  }

  /**
   * Reads no more and closes our side once what was written is out; a caller that then keeps its side
   * open does not hold the socket for long.
   */
  private end(): void {
    this.ending = true;
    const s = this.socket;
    if (!s.writable) return;
    s.end(() => s.setTimeout(1000, () => s.destroy()));
  }

  /** A head that cannot be answered: an error status, then the connection closes. */
  private fail(status: number, message: string): void {
    if (this.ending) return;
    const s = this.socket;
    if (this.queue.length > 0 || !s.writable) {
      this.ending = true;
      s.destroy();
      return;
    }
    s.write(`HTTP/1.1 ${status} ${message}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`, 'latin1');
    this.end();
  }

  private onParseError(err: Error & { code?: string }): void {
    if (this.ending) return;
    this.parsing?.body?.destroy();
    this.parsing = undefined;
    if (err.code === 'HPE_HEADER_OVERFLOW') this.fail(431, 'Request Header Fields Too Large');
    else this.fail(400, 'Bad Request');
  }

  /** headersTimeout passed before the whole head arrived */
  timeOutHead(): void {
    this.headStartedAt = 0;
    this.fail(408, 'Request Timeout');
  }

  /**
   * The caller closed its side. As node:http (without httpAllowHalfOpen): requests in progress are
   * abandoned and the connection closes, so handlers learn that their caller left ('close' without
   * 'finish') and stop the upstream work; answers already written still go out before our FIN.
   */
  private onEnd(): void {
    if (this.ending) return;
    const r = this.parser.finish();
    if (r instanceof Error) return this.onParseError(r);
    const body = this.parsing?.body;
    if (body && !body.complete) body.destroy();
    this.end();
  }

  /** The socket now belongs to an upgrade tunnel. */
  private detach(): void {
    this.detached = true;
    // paused until the tunnel pipes it: bytes read meanwhile must not be lost
    this.socket.pause();
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('end');
    this.socket.removeAllListeners('close');
    this.socket.removeAllListeners('error');
    this.server.forget(this);
    this.closeParser();
  }

  private closeParser(): void {
    const parser = this.parser;
    // not from inside one of its own callbacks
    setImmediate(() => parser.close());
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.forget(this);
    this.closeParser();
    const body = this.parsing?.body;
    this.parsing = undefined;
    if (body && !body.complete) body.destroy();
    for (const ex of this.queue.splice(0)) ex.res.onClosed();
  }
}

/**
 * An HTTP/1.1 server with the parts of http.Server's interface the agent uses: listen, address, close,
 * closeIdleConnections, closeAllConnections, 'upgrade' and 'error' events. `serve(socket, first)` takes a
 * connection accepted elsewhere (after TLS or protocol sniffing) with the bytes already read from it.
 */
export class H1Server extends EventEmitter {
  readonly net: net.Server;
  readonly keepAliveSeconds: number;
  /** the closing lines of a keep-alive answer */
  readonly keepAliveLines: string;
  closing = false;
  private readonly conns = new Set<ServerConnection>();
  /** accepted sockets not (yet) served: sniffing, or inside a TLS handshake */
  private readonly pending = new Set<Socket>();
  private sweeper: NodeJS.Timeout | undefined;
  /** how a new TCP connection is taken in; `serve` unless replaced (the mTLS inbound listener sniffs first) */
  accept: (socket: Socket) => void = (socket) => this.serve(socket);

  constructor(
    readonly handler: RequestHandler,
    readonly options: H1ServerOptions,
  ) {
    super();
    this.keepAliveSeconds = Math.max(1, Math.floor(options.keepAliveTimeout / 1000));
    this.keepAliveLines = `Connection: keep-alive\r\nKeep-Alive: timeout=${this.keepAliveSeconds}\r\n\r\n`;
    this.net = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      this.pending.add(socket);
      socket.once('close', () => this.pending.delete(socket));
      this.accept(socket);
    });
    this.net.on('error', (err) => this.emit('error', err));
    this.net.on('listening', () => this.emit('listening'));
  }

  /** Serves HTTP/1.1 on `socket`; `first` is data already read from it. */
  serve(socket: Socket, first?: Buffer): void {
    this.pending.delete(socket);
    if (socket.destroyed) return;
    const conn = new ServerConnection(socket, this);
    this.conns.add(conn);
    this.sweep();
    if (first) conn.onData(first);
    // a socket paused by whoever read `first` reads again, unless it became an upgrade tunnel
    if (!conn.detached) socket.resume();
  }

  forget(conn: ServerConnection): void {
    this.conns.delete(conn);
  }

  /**
   * Keep-alive idle close and the head timeout, checked for all connections together every few seconds
   * (node:http checks its headersTimeout the same way), instead of re-arming a timer per request.
   */
  private sweep(): void {
    if (this.sweeper) return;
    const every = Math.min(
      5000,
      Math.max(100, Math.floor(Math.min(this.options.keepAliveTimeout, this.options.headersTimeout) / 10)),
    );
    this.sweeper = setInterval(() => {
      if (this.conns.size === 0) {
        clearInterval(this.sweeper);
        this.sweeper = undefined;
        return;
      }
      const now = Date.now();
      for (const c of this.conns) {
        if (c.headStartedAt > 0 && now - c.headStartedAt >= this.options.headersTimeout) c.timeOutHead();
        else if (c.idle && now - c.idleSince >= this.options.keepAliveTimeout) c.socket.destroy();
      }
    }, every);
    this.sweeper.unref();
  }

  listen(port: number, host: string, cb?: () => void): this {
    this.net.listen(port, host, cb);
    return this;
  }

  get listening(): boolean {
    return this.net.listening;
  }

  address(): AddressInfo | string | null {
    return this.net.address();
  }

  /** Stops accepting; `cb` runs once every connection is gone (as http.Server.close). */
  close(cb?: (err?: Error) => void): this {
    this.closing = true;
    this.net.close(cb);
    this.closeIdleConnections();
    return this;
  }

  closeIdleConnections(): void {
    for (const c of this.conns) if (c.idle) c.socket.destroy();
  }

  closeAllConnections(): void {
    for (const c of this.conns) c.socket.destroy();
    for (const s of this.pending) s.destroy();
    this.pending.clear();
  }
}
