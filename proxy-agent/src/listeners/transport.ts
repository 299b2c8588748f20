/**
 * Where TLS slots in (issue 5): listeners get their server from a ServerTransport and upstream pools open
 * connections through an UpstreamTransport. Today both are plaintext; mTLS swaps in `tls` versions that
 * also report the peer's SPIFFE identity, without touching the request handlers.
 */
import http from 'node:http';
import net from 'node:net';
import type { ConnectionSecurityPolicy } from '@meshscope/collector/conventions';

export interface ServerTransport {
  readonly securityPolicy: ConnectionSecurityPolicy;
  createServer(handler: http.RequestListener): http.Server;
}

/** How to secure a connection to one cluster's endpoints (from ServiceEntry / registry). */
export interface UpstreamSecurity {
  /** false for MESH_EXTERNAL services: plain connections to a non-mesh peer */
  mtls: boolean;
  /** SPIFFE IDs the peer may present; empty = any identity of our trust domain */
  expectedIds: readonly string[];
}

export interface UpstreamTransport {
  readonly securityPolicy: ConnectionSecurityPolicy;
  connect(host: string, port: number, security?: UpstreamSecurity): net.Socket;
}

/**
 * Node's defaults close idle keep-alive connections after 5 s; apps and peer agents reuse ours for longer
 * than that, so keep them a little longer than our own pool idle time.
 */
export const SERVER_OPTIONS: http.ServerOptions = {
  keepAliveTimeout: 65_000,
  headersTimeout: 60_000,
  requestTimeout: 0,
};

export const plaintextServer: ServerTransport = {
  securityPolicy: 'none',
  createServer(handler) {
    return http.createServer(SERVER_OPTIONS, handler);
  },
};

export const plaintextUpstream: UpstreamTransport = {
  securityPolicy: 'none',
  connect(host, port) {
    return net.connect({ host, port, noDelay: true });
  },
};
