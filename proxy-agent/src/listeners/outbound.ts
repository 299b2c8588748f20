/**
 * The outbound listener: the local app's requests, routed by the VirtualService of their destination,
 * balanced over the destination's endpoints (peer agents' inbound listeners), with Istio's resilience
 * (timeouts, retries, faults, mirrors, circuit breaking, outlier detection, local rate limits) and a
 * CLIENT span plus a reporter=source request metric for each.
 */
import type { Attributes } from '@opentelemetry/api';
import { MeshAttr } from '@meshscope/collector/conventions';
import { DEFAULT_RETRY_POLICY } from '../config/compile.js';
import type {
  HttpRoute,
  RateLimitModel,
  RetryPolicy,
  RouteMatch,
  WeightedDestination,
} from '../config/model.js';
import type { ClusterState, EndpointState } from '../resilience/cluster.js';
import { type AttemptOutcome, backoffMs, isRetriable } from '../resilience/retry.js';
import { pickDestination, type RequestView, rewritePath, selectRoute } from '../routing/match.js';
import type { ClusterDef, RouteTable } from '../routing/table.js';
import { decodePeer, PEER_HEADER, UNKNOWN } from '../telemetry/identity.js';
import { peerPrincipal, tlsRefusalOf } from './mtls.js';
import { newRequestId, newSpanId, newTraceId } from '../telemetry/ids.js';
import type { Edge } from '../telemetry/request-metrics.js';
import { AgentSpan, nowMs, SpanKind } from '../telemetry/span.js';
import { b3Style, type ContextFormat, extractContext, injectContext } from '../telemetry/trace-context.js';
import { ReplayableBody } from './body.js';
import { H1Request, type H1Response } from './h1-client.js';
import type { AgentState } from './context.js';
import type { RequestHandler, ServerRequest, ServerResponse } from './h1-server.js';
import {
  DROP_XFCC,
  applyHeaderOps,
  forwardableRequestHeaders,
  forwardableResponseHeaders,
  localReply,
  relayBody,
  spanMethod,
  spanUrl,
} from './headers.js';

const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNECTTIMEOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);
const MAX_MIRRORS_IN_FLIGHT = 64;

/** Splits the request target: origin-form (`/path`, Host header) or absolute-form (`http://host/path`, HTTP proxy). */
export function parseTarget(
  url: string,
  hostHeader: string | undefined,
): { authority: string; pathAndQuery: string } | undefined {
  if (url.startsWith('http://')) {
    const slash = url.indexOf('/', 7);
    return slash < 0
      ? { authority: url.slice(7), pathAndQuery: '/' }
      : { authority: url.slice(7, slash), pathAndQuery: url.slice(slash) };
  }
  return hostHeader ? { authority: hostHeader, pathAndQuery: url } : undefined;
}

function splitAuthority(authority: string): { host: string; port: number } {
  const colon = authority.lastIndexOf(':');
  if (colon > 0 && authority.indexOf(']') < colon) {
    const port = Number(authority.slice(colon + 1));
    if (Number.isInteger(port) && port > 0) return { host: authority.slice(0, colon), port };
  }
  return { host: authority, port: 80 };
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function createOutboundHandler(state: AgentState): RequestHandler {
  return (req, res) => new OutboundExchange(state, req, res).start();
}

class OutboundExchange {
  private readonly startMs = nowMs();
  private readonly method: string;
  private authority = '';
  private host = '';
  private port = 80;
  private pathAndQuery = '/';
  private path = '/';
  private query = '';
  private table: RouteTable;
  private route: HttpRoute | undefined;
  private match: RouteMatch | undefined;
  private dest: WeightedDestination | undefined;
  private def: ClusterDef | undefined;
  private cluster: ClusterState | undefined;
  private retryPolicy: RetryPolicy = DEFAULT_RETRY_POLICY;
  private traceId = '';
  private spanId = '';
  private parentSpanId: string | undefined;
  private traceState: string | undefined;
  private format: ContextFormat | undefined;
  private sampled = false;
  private requestId = '';
  private headers: string[] = [];
  private upPath = '/';
  private hashKey: string | undefined;
  private setCookie: string | undefined;
  private body: ReplayableBody | undefined;
  private tries = 0;
  private retryPending = false;
  private seq = 0;
  private ep: EndpointState | undefined;
  private attemptOpen = false;
  private upReq: H1Request | undefined;
  private perTryTimer: NodeJS.Timeout | undefined;
  private routeTimer: NodeJS.Timeout | undefined;
  private waitTimer: NodeJS.Timeout | undefined;
  private committed = false;
  private finished = false;
  private status = 0;
  private flags = '-';
  private peer: string | undefined;
  /** the callee's verified SPIFFE ID, when the connection was mTLS */
  private peerId: string | undefined;
  /** why the last TLS handshake to an upstream was refused, for the 503 body */
  private tlsFailure: string | undefined;
  /** answered 503 UF: no connection to any endpoint it tried could be made, so no workload saw it */
  private unreached = false;

  constructor(
    private readonly state: AgentState,
    private readonly req: ServerRequest,
    private readonly res: ServerResponse,
  ) {
    this.method = req.method;
    this.table = state.table;
  }

  start(): void {
    const { state, req, res } = this;
    state.outboundInflight++;
    res.once('finish', () => this.finish());
    res.once('close', () => this.onDownstreamClose());
    const target = parseTarget(req.url, req.headers.host);
    if (!target) return this.reply(400, 'missing Host header', '-');
    this.authority = target.authority;
    const { host, port } = splitAuthority(target.authority);
    this.host = host;
    this.port = port;
    this.pathAndQuery = target.pathAndQuery;
    const q = target.pathAndQuery.indexOf('?');
    this.path = q < 0 ? target.pathAndQuery : target.pathAndQuery.slice(0, q);
    this.query = q < 0 ? '' : target.pathAndQuery.slice(q + 1);
    this.startTrace();

    const canonical = this.table.resolveHost(host);
    if (!canonical)
      return this.reply(
        502,
        `unknown destination host "${host}": not in the registry or a ServiceEntry`,
        'NR',
      );
    this.host = canonical;
    const vs = this.table.virtualService(canonical);
    if (vs) {
      const view: RequestView = {
        method: this.method,
        path: this.path,
        query: this.query,
        authority: this.authority,
        headers: req.headers,
        port,
      };
      const chosen = selectRoute(vs.routes, view, state.ownLabels);
      if (!chosen) return this.reply(404, 'route not found', 'NR');
      this.route = chosen.route;
      this.match = chosen.match;
      this.dest = pickDestination(chosen.route, Math.random());
      this.retryPolicy = chosen.route.retries ?? DEFAULT_RETRY_POLICY;
    }
    const destHost = this.dest?.host ?? canonical;
    this.def = this.table.cluster(destHost, this.dest?.subset, this.dest?.port ?? port);
    if (!this.def)
      return this.reply(
        503,
        `no cluster for ${destHost}${this.dest?.subset ? ` subset ${this.dest.subset}` : ''}`,
        'NC',
      );
    this.cluster = state.clusters.get(this.def, this.table.version);

    const limit = this.table.rateLimitFor(this.route?.name, this.def.host);
    if (limit && this.rateLimited(limit)) return;

    const fault = this.route?.fault;
    if (fault?.abort && Math.random() * 100 < fault.abort.percent) {
      return this.reply(fault.abort.status, 'fault filter abort', 'FI');
    }
    this.buildUpstreamRequest();
    if (this.route?.timeoutMs !== undefined) {
      this.routeTimer = setTimeout(() => this.onRouteTimeout(), this.route.timeoutMs);
    }
    if (this.route?.mirror && Math.random() * 100 < this.route.mirror.percent) this.mirror();
    if (fault?.delay && Math.random() * 100 < fault.delay.percent) {
      this.flags = 'DI';
      this.waitTimer = setTimeout(() => {
        this.waitTimer = undefined;
        this.attempt();
      }, fault.delay.ms);
      return;
    }
    this.attempt();
  }

  private startTrace(): void {
    const parent = extractContext(this.req.headers);
    const remote = parent === 'deny' ? undefined : parent;
    this.traceId = remote?.traceId ?? newTraceId();
    this.parentSpanId = remote?.spanId;
    this.traceState = remote?.traceState;
    this.format = b3Style(this.req.headers);
    this.spanId = newSpanId();
    this.sampled = this.state.telemetry.sample(parent, this.traceId);
    const rid = this.req.headers['x-request-id'];
    this.requestId = typeof rid === 'string' && rid ? rid : newRequestId();
  }

  private rateLimited(limit: RateLimitModel): boolean {
    const headers = this.state.rateLimited(limit);
    if (!headers) return false;
    this.reply(429, 'local_rate_limited', 'RL', headers);
    return true;
  }

  private buildUpstreamRequest(): void {
    const h = this.headers;
    forwardableRequestHeaders(this.req.rawHeaders, h, DROP_XFCC);
    const rw = this.route?.rewrite;
    h.push('host', rw?.authority ?? this.authority);
    const ops = this.route?.headers;
    if (ops) applyHeaderOps(h, ops.requestSet, ops.requestAdd, ops.requestRemove);
    const dops = this.dest?.headers;
    if (dops) applyHeaderOps(h, dops.requestSet, dops.requestAdd, dops.requestRemove);
    if (this.req.headers['x-request-id'] === undefined) h.push('x-request-id', this.requestId);
    h.push(PEER_HEADER, this.state.peerHeaderValue);
    injectContext(
      h,
      this.traceId,
      this.spanId,
      this.parentSpanId,
      this.sampled,
      this.traceState,
      this.format,
    );
    this.upPath =
      rw?.uri !== undefined ? rewritePath(this.path, this.query, rw.uri, this.match) : this.pathAndQuery;
    const lb = this.def?.policy.loadBalancer;
    if (lb?.kind === 'HASH') this.hashKey = this.hashKeyFor(lb);
  }

  private hashKeyFor(
    lb: Extract<ClusterDef['policy']['loadBalancer'], { kind: 'HASH' }>,
  ): string | undefined {
    const headers = this.req.headers;
    switch (lb.by) {
      case 'header': {
        const v = headers[lb.name];
        return Array.isArray(v) ? v.join(',') : v;
      }
      case 'query':
        return this.query ? (new URLSearchParams(this.query).get(lb.name) ?? undefined) : undefined;
      case 'sourceIp': {
        const xff = headers['x-forwarded-for'];
        const first = typeof xff === 'string' ? xff.split(',')[0]?.trim() : undefined;
        return first || this.req.socket.remoteAddress;
      }
      case 'cookie': {
        const v = cookieValue(headers.cookie, lb.name);
        if (v !== undefined || lb.cookieTtlMs === undefined) return v;
        // Envoy: with a ttl, a missing cookie is generated and handed back so the next request sticks.
        const fresh = newSpanId();
        const path = lb.cookiePath ? `; Path=${lb.cookiePath}` : '';
        this.setCookie = `${lb.name}=${fresh}${path}; Max-Age=${Math.round(lb.cookieTtlMs / 1000)}; HttpOnly`;
        return fresh;
      }
    }
  }

  private attempt(): void {
    const cluster = this.cluster as ClusterState;
    if (this.finished || this.committed) return;
    if (!cluster.admit())
      return this.reply(
        503,
        'upstream connect error or disconnect/reset before headers. reset reason: overflow',
        'UO',
      );
    const pick = cluster.pick(this.hashKey, this.ep);
    if (typeof pick === 'string') return this.reply(503, 'no healthy upstream', 'UH');
    const ep = pick;
    this.ep = ep;
    this.tries++;
    const seq = ++this.seq;
    cluster.attemptStarted(ep);
    this.attemptOpen = true;
    const reqBody = this.req.body;
    const withBody = reqBody !== undefined;
    const upReq = new H1Request(cluster.pools, ep.def.address, ep.def.port, {
      method: this.method,
      path: this.upPath,
      headers: this.headers,
      hasBody: withBody,
    });
    this.upReq = upReq;
    const perTry = this.retryPolicy.perTryTimeoutMs;
    if (perTry !== undefined) {
      this.perTryTimer = setTimeout(() => {
        this.perTryTimer = undefined;
        if (seq !== this.seq || this.committed) return;
        this.seq++;
        upReq.destroy();
        this.attemptFailed(ep, { kind: 'per-try-timeout' }, 504);
      }, perTry);
    }
    upReq.on('response', (upRes: H1Response) => {
      if (seq !== this.seq) {
        upRes.resume();
        return;
      }
      this.clearPerTry();
      this.onResponse(ep, upRes);
    });
    upReq.on('error', (err: NodeJS.ErrnoException) => {
      if (seq !== this.seq) return;
      this.seq++;
      this.clearPerTry();
      if (this.committed) {
        this.flags = 'UC';
        this.releaseAttempt(ep);
        this.res.destroy();
        return;
      }
      const tlsReason = tlsRefusalOf(err);
      if (tlsReason) this.tlsFailure = `${tlsReason}: ${err.message}`;
      // A refused certificate is a connection failure, as in Envoy: the app never saw the request.
      const outcome: AttemptOutcome =
        CONNECT_ERRORS.has(err.code ?? '') || tlsReason !== undefined
          ? { kind: 'connect-failure' }
          : { kind: 'reset', staleReuse: upReq.reusedSocket };
      this.attemptFailed(ep, outcome, 0);
    });
    if (!reqBody) return;
    this.body ??= new ReplayableBody(reqBody);
    this.body.sendTo(upReq.bodySink());
  }

  private clearPerTry(): void {
    if (this.perTryTimer) clearTimeout(this.perTryTimer);
    this.perTryTimer = undefined;
  }

  private releaseAttempt(ep: EndpointState): void {
    if (!this.attemptOpen) return;
    this.attemptOpen = false;
    this.body?.detach();
    (this.cluster as ClusterState).attemptDone(ep);
  }

  private canRetry(outcome: AttemptOutcome): boolean {
    const p = this.retryPolicy;
    return (
      this.tries < 1 + p.attempts &&
      !this.finished &&
      (this.body === undefined || this.body.replayable) &&
      (this.cluster as ClusterState).canRetry() &&
      isRetriable(p, outcome, this.method)
    );
  }

  private retry(): void {
    const cluster = this.cluster as ClusterState;
    cluster.retriesActive++;
    this.waitTimer = setTimeout(
      () => {
        this.waitTimer = undefined;
        cluster.retriesActive--;
        this.attempt();
      },
      backoffMs(this.tries, Math.random()),
    );
  }

  /** A try ended without a usable response: retry, or answer like Envoy would. */
  private attemptFailed(ep: EndpointState, outcome: AttemptOutcome, outlierStatus: number): void {
    (this.cluster as ClusterState).onResult(ep, outlierStatus);
    this.releaseAttempt(ep);
    if (this.canRetry(outcome)) return this.retry();
    const exhausted = this.tries > 1 ? 'URX,' : '';
    switch (outcome.kind) {
      case 'per-try-timeout':
        return this.reply(504, 'upstream request timeout', `${exhausted}UT`);
      case 'connect-failure':
        this.unreached = true;
        return this.reply(
          503,
          `upstream connect error or disconnect/reset before headers. reset reason: connection failure${
            this.tlsFailure ? `, transport failure reason: TLS error: ${this.tlsFailure}` : ''
          }`,
          `${exhausted}UF`,
        );
      default:
        return this.reply(
          503,
          'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
          `${exhausted}UC`,
        );
    }
  }

  private onResponse(ep: EndpointState, upRes: H1Response): void {
    const status = upRes.statusCode ?? 502;
    const cluster = this.cluster as ClusterState;
    cluster.onResult(ep, status);
    if (status >= 400) {
      // only a failed answer may be retried: no headers object for the others
      const grpc = upRes.headers['grpc-status'];
      const outcome: AttemptOutcome = {
        kind: 'response',
        status,
        grpcStatus: typeof grpc === 'string' ? Number(grpc) : undefined,
      };
      if (this.canRetry(outcome)) {
        this.seq++;
        upRes.resume();
        this.releaseAttempt(ep);
        return this.retry();
      }
    }
    this.commit(ep, upRes, status);
  }

  private commit(ep: EndpointState, upRes: H1Response, status: number): void {
    const res = this.res;
    this.committed = true;
    this.status = status;
    if (this.tries > 1 && status >= 500) this.flags = 'URX';
    const out: string[] = [];
    this.peer = forwardableResponseHeaders(upRes.rawHeaders, out, undefined);
    this.peerId = peerPrincipal(upRes.socket);
    const ops = this.route?.headers;
    if (ops) applyHeaderOps(out, ops.responseSet, ops.responseAdd, ops.responseRemove);
    const dops = this.dest?.headers;
    if (dops) applyHeaderOps(out, dops.responseSet, dops.responseAdd, dops.responseRemove);
    if (this.setCookie) out.push('set-cookie', this.setCookie);
    if (this.state.draining) out.push('connection', 'close');
    res.writeHead(status, out);
    upRes.on('error', () => res.destroy());
    upRes.once('end', () => this.releaseAttempt(ep));
    upRes.once('close', () => {
      if (!upRes.complete) {
        this.flags = 'UC';
        this.releaseAttempt(ep);
        res.destroy();
      }
    });
    relayBody(upRes, res);
  }

  private onRouteTimeout(): void {
    this.routeTimer = undefined;
    if (this.finished) return;
    this.seq++;
    this.clearPerTry();
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.waitTimer = undefined;
    if (this.retryPending) (this.cluster as ClusterState).retriesActive--;
    this.retryPending = false;
    this.upReq?.destroy();
    if (this.ep) {
      (this.cluster as ClusterState).onResult(this.ep, 504);
      this.releaseAttempt(this.ep);
    }
    if (!this.committed) this.reply(504, 'upstream request timeout', 'UT');
    else {
      this.flags = 'UT';
      this.res.destroy();
    }
  }

  private onDownstreamClose(): void {
    if (this.finished) return;
    // The app went away before the response was complete: stop the upstream work.
    this.flags = 'DC';
    this.seq++;
    this.upReq?.destroy();
    if (this.ep) this.releaseAttempt(this.ep);
    this.finish();
  }

  private reply(status: number, body: string, flags: string, extra?: readonly string[]): void {
    if (this.committed || this.finished) return;
    this.committed = true;
    this.status = status;
    this.flags = flags;
    localReply(this.res, status, body, extra, this.state.draining);
  }

  /** Fire and forget: a copy to the mirror cluster, whose answer (or failure) never reaches the caller. */
  private mirror(): void {
    const state = this.state;
    const m = this.route?.mirror;
    if (!m) return;
    if (state.mirrorsInflight >= MAX_MIRRORS_IN_FLIGHT) {
      state.mirrorsSkipped++;
      return;
    }
    const def = this.table.cluster(m.host, m.subset, m.port ?? this.port);
    if (!def) return;
    const cluster = state.clusters.get(def, this.table.version);
    const pick = cluster.pick(undefined, undefined);
    if (typeof pick === 'string') return;
    const headers = this.headers.slice();
    for (let i = 0; i < headers.length; i += 2)
      if (headers[i] === 'host') headers[i + 1] = `${headers[i + 1] ?? ''}-shadow`;
    const send = (chunks: readonly Buffer[]) => {
      state.mirrorsInflight++;
      let done = false;
      const release = () => {
        if (!done) {
          done = true;
          state.mirrorsInflight--;
        }
      };
      const r = new H1Request(cluster.pools, pick.def.address, pick.def.port, {
        method: this.method,
        path: this.upPath,
        headers,
        hasBody: chunks.length > 0,
      });
      const timer = setTimeout(() => r.destroy(), this.route?.timeoutMs ?? 30_000);
      const end = () => {
        clearTimeout(timer);
        release();
      };
      r.on('response', (mres: H1Response) => {
        mres.once('close', end);
        mres.resume();
      });
      r.on('error', end);
      if (chunks.length === 0) return;
      const sink = r.bodySink();
      for (const c of chunks) sink.write(c);
      sink.end();
    };
    const reqBody = this.req.body;
    if (!reqBody) return send([]);
    this.body ??= new ReplayableBody(reqBody);
    this.body.whenComplete(send);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.routeTimer) clearTimeout(this.routeTimer);
    if (this.waitTimer) clearTimeout(this.waitTimer);
    if (this.retryPending) (this.cluster as ClusterState).retriesActive--;
    this.clearPerTry();
    const state = this.state;
    state.outboundInflight--;
    state.requestDone();
    const endMs = nowMs();
    const edge = this.edge();
    state.telemetry.metrics.record(edge, this.status, this.flags, (endMs - this.startMs) / 1000);
    if (this.sampled) this.emitSpan(edge, endMs);
  }

  private edge(): Edge {
    // Unreached, the request is reported as Istio reports it without the callee's peer metadata: the
    // destination workload unknown. That is also what tells the read side that no inbound agent counted
    // it, so the callee's error rate includes it.
    if (this.unreached) return outboundEdge(this.state, this.def, undefined, undefined, this.host);
    return outboundEdge(this.state, this.def, this.ep, this.peer, this.host, this.peerId);
  }

  private emitSpan(edge: Edge, endMs: number): void {
    const telemetry = this.state.telemetry;
    const status = this.status;
    // Object.assign, not a spread: spreading this many keys was measured at ~9 µs per span.
    const attrs: Attributes = Object.assign({}, edge.attributes);
    attrs[MeshAttr.responseCode] = String(status);
    attrs[MeshAttr.responseFlags] = this.flags;
    attrs['http.request.method'] = this.method;
    attrs['server.address'] = this.def?.host ?? this.host;
    attrs['server.port'] = this.def?.port ?? this.port;
    attrs['url.full'] = spanUrl(this.authority, this.pathAndQuery);
    attrs['guid:x-request-id'] = this.requestId;
    if (status > 0) attrs['http.response.status_code'] = status;
    if (this.tries > 1) attrs['http.request.resend_count'] = this.tries - 1;
    if (this.ep) {
      attrs['network.peer.address'] = this.ep.def.address;
      attrs['network.peer.port'] = this.ep.def.port;
    }
    if (this.def) attrs.upstream_cluster = this.def.key;
    if (this.route?.name) attrs['http.route'] = this.route.name;
    const m = spanMethod(this.method);
    const name = this.route?.name ? `${m} ${this.route.name}` : m;
    telemetry.emit(
      new AgentSpan(
        name,
        SpanKind.CLIENT,
        this.traceId,
        this.spanId,
        this.parentSpanId,
        this.traceState,
        this.startMs,
        endMs,
        status === 0 || status >= 400,
        attrs,
        telemetry.resource,
        telemetry.scope,
      ),
    );
  }
}

/** The reporter=source edge for a request: who we are, and the destination as its agent described itself. */
export function outboundEdge(
  state: AgentState,
  def: ClusterDef | undefined,
  ep: EndpointState | undefined,
  peer: string | undefined,
  host: string,
  /** the callee's verified SPIFFE ID: present only over mTLS */
  peerId?: string,
): Edge {
  const metrics = state.telemetry.metrics;
  const own = state.identity;
  const security = peerId ? 'mutual_tls' : 'none';
  if (!def || !ep) {
    // No endpoint was reached (no route, a fault abort, no healthy endpoint, pool overflow, no connection
    // to any endpoint tried): as Istio reports it, the destination service is known once a cluster was
    // chosen and only the workload side is unknown, which is also how the read side knows no inbound
    // agent saw the request.
    const service = def?.host ?? host;
    return metrics.edge(`local|${service}`, () => ({
      reporter: 'source',
      source: { ...own, principal: UNKNOWN },
      destination: {
        service,
        serviceName: service.split('.')[0] ?? service,
        serviceNamespace: def?.namespace ?? UNKNOWN,
        workload: UNKNOWN,
        namespace: UNKNOWN,
        app: UNKNOWN,
        version: UNKNOWN,
        principal: UNKNOWN,
      },
      securityPolicy: security,
    }));
  }
  // The endpoint caches its edge: the common case (same peer answer as last time) costs no allocation.
  if (ep.edge && ep.edgePeer === peer && ep.edgeCluster === def.key && ep.edgePeerId === peerId)
    return ep.edge;
  const key = `${def.key}|${peer ?? ep.key}|${peerId ?? ''}`;
  const edge = metrics.edge(key, () => {
    const d = decodePeer(peer) ?? ep.identity;
    return {
      reporter: 'source',
      // Istio reports principals only for mTLS connections; plaintext is 'unknown' on both ends.
      source: peerId ? own : { ...own, principal: UNKNOWN },
      destination: {
        service: def.host,
        serviceName: def.host.split('.')[0] ?? def.host,
        serviceNamespace: def.namespace,
        workload: d.workload,
        namespace: d.namespace,
        app: d.app,
        version: d.version,
        principal: peerId ?? UNKNOWN,
      },
      securityPolicy: security,
    };
  });
  ep.edge = edge;
  ep.edgePeer = peer;
  ep.edgePeerId = peerId;
  ep.edgeCluster = def.key;
  return edge;
}
