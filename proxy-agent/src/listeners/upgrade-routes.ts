/**
 * Where an upgrade request goes: the same routing, authorization and local rate limits as a plain request,
 * without retries or faults.
 */
import { STATUS_CODES } from 'node:http';
import type { ServerRequest } from './h1-server.js';
import type { Duplex } from 'node:stream';
import { rewritePath, selectRoute, pickDestination } from '../routing/match.js';
import { PEER_HEADER } from '../telemetry/identity.js';
import { newSpanId, newTraceId } from '../telemetry/ids.js';
import { b3Style, extractContext, injectContext } from '../telemetry/trace-context.js';
import { nowMs } from '../telemetry/span.js';
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
    if (!target) return refuseUpgrade(socket, 400, 'Bad Request', 'missing Host header');
    const table = state.table;
    const hostOnly = target.authority.replace(/:\d+$/, '');
    const port = Number(/:(\d+)$/.exec(target.authority)?.[1] ?? 80);
    const host = table.resolveHost(hostOnly);
    if (!host) return refuseUpgrade(socket, 502, 'Bad Gateway', `unknown destination host "${hostOnly}"`);
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
    if (vs && !chosen) return refuseUpgrade(socket, 404, 'Not Found', 'route not found');
    const dest = chosen ? pickDestination(chosen.route, Math.random()) : undefined;
    const def = table.cluster(dest?.host ?? host, dest?.subset, dest?.port ?? port);
    if (!def) return refuseUpgrade(socket, 503, 'Service Unavailable', 'no cluster');
    const limit = table.rateLimitFor(chosen?.route.name, def.host);
    const limited = limit && state.rateLimited(limit);
    if (limited) return refuseUpgrade(socket, 429, 'Too Many Requests', 'local_rate_limited', limited);
    const cluster = state.clusters.get(def, table.version);
    if (!cluster.admit()) return refuseUpgrade(socket, 503, 'Service Unavailable', 'overflow');
    const ep = cluster.pick(undefined, undefined);
    if (typeof ep === 'string')
      return refuseUpgrade(socket, 503, 'Service Unavailable', 'no healthy upstream');
    const headers: string[] = [];
    forwardableRequestHeaders(req.rawHeaders, headers, DROP_XFCC);
    const rw = chosen?.route.rewrite;
    headers.push('host', rw?.authority ?? target.authority, PEER_HEADER, state.peerHeaderValue);
    contextHeaders(state, req, headers);
    const upPath =
      rw?.uri !== undefined ? rewritePath(path, query, rw.uri, chosen?.match) : target.pathAndQuery;
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
        state.telemetry.metrics.record(edge, status, status === 0 ? 'UF' : '-', (nowMs() - startMs) / 1000);
      },
    );
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
