/**
 * Where an upgrade request goes: the same routing, authorization, local rate limits, fault injection and
 * request metrics as a plain request, without retries (a tunnel is not replayed).
 */
import { STATUS_CODES } from 'node:http';
import type { ServerRequest } from './h1-server.js';
import type { Duplex } from 'node:stream';
import { rewritePath, selectRoute, pickDestination } from '../routing/match.js';
import { PEER_HEADER } from '../telemetry/identity.js';
import { newSpanId, newTraceId } from '../telemetry/ids.js';
import { b3Style, extractContext, injectContext } from '../telemetry/trace-context.js';
import { nowMs } from '../telemetry/span.js';
import type { ClusterDef } from '../routing/table.js';
import type { AgentState } from './context.js';
import { DROP_XFCC, forwardableRequestHeaders, forwardableResponseHeaders } from './headers.js';
import { admitInbound, appRequestHeaders, inboundEdge } from './inbound.js';
import { outboundEdge, parseTarget } from './outbound.js';
import { peerPrincipal } from './mtls.js';
import type { UpstreamTransport } from './transport.js';
import { refuseUpgrade, tunnelUpgrade } from './upgrade.js';

function contextHeaders(state: AgentState, req: ServerRequest, out: string[]): void {
  const parent = extractContext(req.headers);
  const remote = parent === 'deny' ? undefined : parent;
  const traceId = remote?.traceId ?? newTraceId();
  injectContext(
    out,
    traceId,
    newSpanId(),
    remote?.spanId,
    state.telemetry.sample(parent, traceId),
    remote?.traceState,
    b3Style(req.headers),
  );
}

export function outboundUpgrade(state: AgentState, transport: UpstreamTransport, open: Set<Duplex>) {
  return (req: ServerRequest, socket: Duplex, head: Buffer): void => {
    const startMs = nowMs();
    const target = parseTarget(req.url ?? '/', req.headers.host);
    let host = target?.authority.replace(/:\d+$/, '') ?? '';
    // A refusal is counted as the plain path counts it (reporter=source, destination workload unknown).
    const refuse = (
      status: number,
      body: string,
      flags: string,
      def?: ClusterDef,
      extra?: readonly string[],
    ) => {
      const edge = outboundEdge(state, def, undefined, undefined, host);
      state.telemetry.metrics.record(edge, status, flags, (nowMs() - startMs) / 1000);
      refuseUpgrade(socket, status, STATUS_CODES[status] ?? '', body, extra);
    };
    if (!target) return refuse(400, 'missing Host header', '-');
    const table = state.table;
    const port = Number(/:(\d+)$/.exec(target.authority)?.[1] ?? 80);
    const canonical = table.resolveHost(host);
    if (!canonical) return refuse(502, `unknown destination host "${host}"`, 'NR');
    host = canonical;
    const q = target.pathAndQuery.indexOf('?');
    const path = q < 0 ? target.pathAndQuery : target.pathAndQuery.slice(0, q);
    const query = q < 0 ? '' : target.pathAndQuery.slice(q + 1);
    const vs = table.virtualService(host);
    const chosen = vs
      ? selectRoute(
          vs.routes,
          {
            method: req.method ?? 'GET',
            path,
            query,
            authority: target.authority,
            headers: req.headers,
            port,
          },
          state.ownLabels,
        )
      : undefined;
    if (vs && !chosen) return refuse(404, 'route not found', 'NR');
    const dest = chosen ? pickDestination(chosen.route, Math.random()) : undefined;
    const def = table.cluster(dest?.host ?? host, dest?.subset, dest?.port ?? port);
    if (!def) return refuse(503, 'no cluster', 'NC');
    const limit = table.rateLimitFor(chosen?.route.name, def.host);
    const limited = limit && state.rateLimited(limit);
    if (limited) return refuse(429, 'local_rate_limited', 'RL', def, limited);
    // Istio's fault injection applies to the handshake as to any request (Envoy's fault filter runs on
    // its headers): an abort answers it, a delay holds it back.
    const fault = chosen?.route.fault;
    if (fault?.abort && Math.random() * 100 < fault.abort.percent)
      return refuse(fault.abort.status, 'fault filter abort', 'FI', def);
    const cluster = state.clusters.get(def, table.version);
    if (!cluster.admit()) return refuse(503, 'overflow', 'UO', def);
    const ep = cluster.pick(undefined, undefined);
    if (typeof ep === 'string') return refuse(503, 'no healthy upstream', 'UH', def);
    const headers: string[] = [];
    forwardableRequestHeaders(req.rawHeaders, headers, DROP_XFCC);
    const rw = chosen?.route.rewrite;
    headers.push('host', rw?.authority ?? target.authority, PEER_HEADER, state.peerHeaderValue);
    contextHeaders(state, req, headers);
    const upPath =
      rw?.uri !== undefined ? rewritePath(path, query, rw.uri, chosen?.match) : target.pathAndQuery;
    const delayMs = fault?.delay && Math.random() * 100 < fault.delay.percent ? fault.delay.ms : undefined;
    const tunnel = () =>
      tunnelUpgrade(
        req,
        socket,
        head,
        { host: ep.def.address, port: ep.def.port, path: upPath, headers, security: def.security },
        transport,
        open,
        (status, raw) => {
          const peer = forwardableResponseHeaders(raw, []);
          const edge = outboundEdge(state, def, ep, peer, host);
          const flags = status === 0 ? 'UF' : delayMs !== undefined ? 'DI' : '-';
          state.telemetry.metrics.record(edge, status, flags, (nowMs() - startMs) / 1000);
        },
      );
    if (delayMs === undefined) return tunnel();
    // Held in `open` so that a drain closes it; a caller that hangs up meanwhile sends nothing upstream.
    open.add(socket);
    const timer = setTimeout(() => {
      socket.off('close', cancel);
      if (!socket.destroyed) tunnel();
    }, delayMs);
    const cancel = () => {
      clearTimeout(timer);
      open.delete(socket);
    };
    socket.once('close', cancel);
  };
}

export function inboundUpgrade(state: AgentState, transport: UpstreamTransport, open: Set<Duplex>) {
  return (req: ServerRequest, socket: Duplex, head: Buffer): void => {
    const app = state.config.app;
    if (!app) return refuseUpgrade(socket, 503, 'Service Unavailable', 'no local app');
    const startMs = nowMs();
    const peerValue = req.headers[PEER_HEADER];
    const peer = typeof peerValue === 'string' ? peerValue : undefined;
    const callerId = peerPrincipal(req.socket);
    const record = (status: number, flags: string) =>
      state.telemetry.metrics.record(
        inboundEdge(state, peer, req, callerId),
        status,
        flags,
        (nowMs() - startMs) / 1000,
      );
    const admission = admitInbound(state, req, app.port, callerId);
    if ('refusal' in admission) {
      const r = admission.refusal;
      record(r.status, r.flags);
      return refuseUpgrade(socket, r.status, STATUS_CODES[r.status] ?? '', r.body, r.headers);
    }
    const target = admission.target;
    const headers = appRequestHeaders(req, app);
    contextHeaders(state, req, headers);
    tunnelUpgrade(
      req,
      socket,
      head,
      { host: app.host, port: app.port, path: target, headers },
      transport,
      open,
      (status) => record(status, status === 0 ? 'UF' : '-'),
      [PEER_HEADER, state.peerHeaderValue],
    );
  };
}
