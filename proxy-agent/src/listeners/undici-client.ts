/**
 * Plaintext upstream requests through undici's `Pool.dispatch` instead of `http.request`: one pool per
 * endpoint, no per-request ClientRequest / IncomingMessage machinery (ADR 0004: a minimal proxy pair did
 * +40 % requests per second with it). The call and its response look enough like Node's ClientRequest and
 * IncomingMessage (events, statusCode, rawHeaders, a Readable body) that the listeners handle both alike.
 *
 * mTLS upstreams stay on `http.request`: the listeners report, per response, the SPIFFE ID verified on
 * the connection that carried it, and undici's dispatch does not say which connection that was.
 */
import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { PassThrough, Readable, type Writable } from 'node:stream';
import type { Dispatcher, Pool as UndiciPool } from 'undici';

type PoolClass = typeof UndiciPool;
let PoolCtor: PoolClass | undefined;

/** Only the pool: the package's index (fetch, WebSocket, caches…) costs ~8 MB more RSS to load. */
function poolClass(): PoolClass {
  PoolCtor ??= createRequire(import.meta.url)('undici/lib/dispatcher/pool.js') as PoolClass;
  return PoolCtor;
}

export interface PoolOptions {
  /** connections per endpoint; Infinity = no limit */
  maxConnections: number;
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  /** 0 = unlimited */
  maxRequestsPerConnection: number;
  /** opens a plain connection (noDelay) to host:port */
  connect(host: string, port: number): Socket;
}

/** Keep-alive pools to the endpoints of one cluster (or to the local app), one per host:port. */
export class UndiciPools {
  private readonly pools = new Map<string, UndiciPool>();
  constructor(private readonly opts: PoolOptions) {}

  /** maxRequestsPerConnection 1: every request closes its connection */
  get oneRequestPerConnection(): boolean {
    return this.opts.maxRequestsPerConnection === 1;
  }

  pool(host: string, port: number): UndiciPool {
    const key = `${host}:${port}`;
    let p = this.pools.get(key);
    if (!p) {
      const o = this.opts;
      const Pool = poolClass();
      p = new Pool(`http://${host.includes(':') ? `[${host}]` : host}:${port}`, {
        connections: Number.isFinite(o.maxConnections) ? o.maxConnections : null,
        pipelining: 1,
        // Our own route and per-try timeouts apply; undici's defaults (300 s) would cut long responses.
        headersTimeout: 0,
        bodyTimeout: 0,
        keepAliveTimeout: o.idleTimeoutMs,
        keepAliveMaxTimeout: o.idleTimeoutMs,
        // undici closes a connection after maxRequestsPerClient + 1 requests; 1 is done per request instead
        maxRequestsPerClient: o.maxRequestsPerConnection > 1 ? o.maxRequestsPerConnection - 1 : undefined,
        connect: (_opts, callback) => {
          const socket = o.connect(host, port);
          const timer = setTimeout(() => {
            socket.destroy(Object.assign(new Error('connect timeout'), { code: 'ECONNECTTIMEOUT' }));
          }, o.connectTimeoutMs);
          const onError = (err: Error) => {
            clearTimeout(timer);
            callback(err, null);
          };
          socket.once('error', onError);
          socket.once('connect', () => {
            clearTimeout(timer);
            socket.off('error', onError);
            callback(null, socket);
          });
        },
      });
      this.pools.set(key, p);
    }
    return p;
  }

  destroy(): void {
    for (const p of this.pools.values()) void p.destroy().catch(() => undefined);
    this.pools.clear();
  }
}

/** The upstream response, shaped like the parts of IncomingMessage the listeners read. */
export class UndiciResponse extends Readable {
  statusCode = 0;
  statusMessage = '';
  rawHeaders: string[] = [];
  headers: IncomingHttpHeaders = {};
  complete = false;
  /** no socket to report: the verified peer identity only exists for mTLS connections */
  readonly socket = null;
  /** undici's resume after onHeaders/onData returned false (backpressure); a no-op when not paused */
  resumeUpstream: (() => void) | undefined;

  override _read(): void {
    this.resumeUpstream?.();
  }
}

export interface UndiciRequestOptions {
  method: string;
  path: string;
  /** flat [name, value, …] list, hop-by-hop headers already removed */
  headers: string[];
  /** whether a request body follows (written to `bodySink()`) */
  hasBody: boolean;
}

// undici refuses these request headers (it frames the body itself); a proxy drops them anyway.
const REFUSED = new Set(['transfer-encoding', 'expect', 'connection', 'keep-alive', 'upgrade']);

function dispatchable(headers: string[]): string[] {
  for (let i = 0; i < headers.length; i += 2) {
    if (REFUSED.has((headers[i] as string).toLowerCase())) {
      const out: string[] = [];
      for (let j = 0; j < headers.length; j += 2)
        if (!REFUSED.has((headers[j] as string).toLowerCase()))
          out.push(headers[j] as string, headers[j + 1] as string);
      return out;
    }
  }
  return headers;
}

/**
 * One request on a pool: emits 'response' (an UndiciResponse) or 'error', like a ClientRequest; the
 * request body, when there is one, is written to `bodySink()`.
 */
export class UndiciRequest extends EventEmitter implements Dispatcher.DispatchHandler {
  /** the attempt failed on a connection that had carried earlier requests (a stale keep-alive) */
  reusedSocket = false;
  private abortFn: ((err?: Error) => void) | undefined;
  private aborted = false;
  private response: UndiciResponse | undefined;
  private body: PassThrough | undefined;
  private settled = false;
  /** dispatch reports invalid arguments synchronously, before anyone listens */
  private constructing = true;

  constructor(pools: UndiciPools, host: string, port: number, o: UndiciRequestOptions) {
    super();
    if (o.hasBody) this.body = new PassThrough();
    pools.pool(host, port).dispatch(
      {
        method: o.method,
        path: o.path,
        headers: dispatchable(o.headers),
        body: this.body ?? null,
        reset: pools.oneRequestPerConnection,
        // our own retry policy decides what is re-sent
        idempotent: false,
      },
      this,
    );
    this.constructing = false;
  }

  bodySink(): Writable {
    this.body ??= new PassThrough();
    return this.body;
  }

  destroy(): void {
    if (this.aborted) return;
    this.aborted = true;
    const err = Object.assign(new Error('request aborted'), { code: 'ECONNRESET' });
    this.abortFn?.(err);
    this.body?.destroy();
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abortFn = abort;
    if (this.aborted) abort(Object.assign(new Error('request aborted'), { code: 'ECONNRESET' }));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true; // 1xx: the final head follows
    const res = new UndiciResponse();
    res.statusCode = statusCode;
    res.statusMessage = statusText;
    const raw = res.rawHeaders;
    const headers = res.headers;
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = (rawHeaders[i] as Buffer).toString('latin1');
      const value = (rawHeaders[i + 1] as Buffer).toString('latin1');
      raw.push(name, value);
      const lower = name.toLowerCase();
      const prev = headers[lower];
      if (prev === undefined) headers[lower] = value;
      else if (Array.isArray(prev)) prev.push(value);
      else headers[lower] = lower === 'set-cookie' ? [prev, value] : `${prev}, ${value}`;
    }
    res.resumeUpstream = resume;
    this.response = res;
    this.settled = true;
    this.emit('response', res);
    return true;
  }

  onData(chunk: Buffer): boolean {
    const res = this.response;
    if (!res) return true;
    return res.push(chunk);
  }

  onComplete(): void {
    const res = this.response;
    if (!res) return;
    res.complete = true;
    res.push(null);
  }

  onError(err: Error & { code?: string; socket?: { bytesRead?: number } }): void {
    this.body?.destroy();
    const res = this.response;
    if (res) {
      res.destroy(err);
      return;
    }
    if (this.settled) return;
    this.settled = true;
    // Bytes already read on the connection before this request's head: it had carried earlier requests.
    this.reusedSocket = err.code === 'UND_ERR_SOCKET' && (err.socket?.bytesRead ?? 0) > 0;
    if (this.constructing) process.nextTick(() => this.emit('error', err));
    else this.emit('error', err);
  }
}
