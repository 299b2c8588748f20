/**
 * Where TLS slots in: upstream pools open connections through an UpstreamTransport (plaintext here, `tls`
 * in mtls.ts, which also reports the peer's SPIFFE identity); the inbound listener hands TLS connections
 * to its HTTP server after the handshake (mtls.ts), without touching the request handlers.
 */
import type http from 'node:http';
import net from 'node:net';
import type { ConnectionSecurityPolicy } from '@meshscope/collector/conventions';
import type { H1ServerOptions } from './h1-server.js';

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
export const LISTENER_TIMEOUTS: H1ServerOptions = {
  keepAliveTimeout: 65_000,
  headersTimeout: 60_000,
};

/** The same for the admin listener (node:http), with no limit on a whole request. */
export const SERVER_OPTIONS: http.ServerOptions = { ...LISTENER_TIMEOUTS, requestTimeout: 0 };

export const plaintextUpstream: UpstreamTransport = {
  securityPolicy: 'none',
  connect(host, port) {
    return net.connect({ host, port, noDelay: true });
  },
};
