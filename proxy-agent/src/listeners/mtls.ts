/**
 * mTLS on both sides of a hop. Inbound, one port serves both TLS and plaintext (Istio's PERMISSIVE): the
 * first byte of a connection says which (0x16 opens a TLS handshake), and PeerAuthentication decides, per
 * connection, what is accepted. A TLS caller must present a certificate that chains to our anchors and names
 * a SPIFFE ID of our trust domain. Outbound, the caller checks that the callee's SPIFFE ID is one the
 * destination is expected to have. Every refusal is logged with its reason and counted for /metrics.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { parseSpiffeId, spiffeIdOfSan } from '../identity/spiffe.js';
import type { WorkloadCertificate } from '../identity/workload-cert.js';
import {
  H1Server,
  type H1ServerOptions,
  type RequestHandler,
  type ServerRequest,
  type UpgradeHandler,
} from './h1-server.js';
import { XFCC } from './headers.js';
import type { UpstreamSecurity, UpstreamTransport } from './transport.js';

export type PeerMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

/** Verified SPIFFE IDs of peers, by socket: set once the handshake and our checks passed. */
const principals = new WeakMap<object, string>();

/** The verified SPIFFE ID of the peer on `socket`, when it is an mTLS connection. */
export function peerPrincipal(socket: object | null | undefined): string | undefined {
  return socket ? principals.get(socket) : undefined;
}

/** The XFCC element of each inbound mTLS connection, made once per connection. */
const clientCertDetails = new WeakMap<object, string>();

/**
 * The `x-forwarded-client-cert` header to send the app, as Istio's sidecars set it (Envoy's
 * APPEND_FORWARD with the subject and URI of the client certificate): over mTLS, what the caller sent with
 * this hop's element appended (`By=<our SPIFFE ID>;Hash=<SHA-256 of the caller's certificate>;Subject="…";
 * URI=<caller's SPIFFE ID>`); over plaintext, nothing, so that no caller can make the app believe an
 * identity it does not have. The caller's own header is never forwarded as is (drop XFCC first).
 */
export function xfccFor(socket: object | null | undefined, headers: IncomingHttpHeaders): string | undefined {
  const element = socket ? clientCertDetails.get(socket) : undefined;
  if (element === undefined) return undefined;
  const prior = headers[XFCC];
  return typeof prior === 'string' && prior !== '' ? `${prior},${element}` : element;
}

function xfccElement(socket: tls.TLSSocket, presented: tls.PeerCertificate, callerId: string): string {
  const own = socket.getCertificate();
  const by = own && 'subjectaltname' in own ? spiffeIdOfSan(own.subjectaltname) : undefined;
  const hash = createHash('sha256').update(presented.raw).digest('hex');
  // RFC 2253 order (last RDN first), as Envoy prints it
  const subject = new X509Certificate(presented.raw).subject.split('\n').reverse().join(',');
  return `${by ? `By=${by};` : ''}Hash=${hash};Subject="${subject.replace(/["\\]/g, '\\$&')}";URI=${callerId}`;
}

/** Refusals by direction and reason, and upstream handshakes, for the log and /metrics. */
export class MtlsStats {
  private readonly counts = new Map<string, number>();
  /** upstream TLS handshakes, full and resumed from a session ticket */
  readonly handshakes = { full: 0, resumed: 0 };
  constructor(private readonly log: Logger) {}

  refuse(direction: 'inbound' | 'outbound', reason: string, detail: Record<string, unknown>): void {
    const key = `${direction}|${reason}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.log.warn({ direction, reason, ...detail }, `mTLS: ${direction} connection refused: ${reason}`);
  }

  count(direction: 'inbound' | 'outbound', reason: string): number {
    return this.counts.get(`${direction}|${reason}`) ?? 0;
  }

  samples(): Array<{ attributes: Record<string, string>; value: number }> {
    return [...this.counts].map(([k, value]) => {
      const [direction = '', reason = ''] = k.split('|');
      return { attributes: { direction, reason }, value };
    });
  }
}

/** A certificate verification failure as one of a few reasons an operator can act on. */
export function refusalReason(code: string): string {
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return 'expired_certificate';
    case 'CERT_NOT_YET_VALID':
      return 'certificate_not_yet_valid';
    case 'ERR_MESH_SPIFFE_ID':
      return 'unexpected_spiffe_id';
    default:
      return 'untrusted_certificate';
  }
}

const VERIFY_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'ERR_MESH_SPIFFE_ID',
]);

/** The refusal reason when a connection error is our TLS verification failing, else undefined. */
export function tlsRefusalOf(err: NodeJS.ErrnoException): string | undefined {
  return err.code && VERIFY_CODES.has(err.code) ? refusalReason(err.code) : undefined;
}

export interface InboundServerOptions {
  /** absent: the agent has no tls settings, so TLS connections are refused */
  cert: WorkloadCertificate | undefined;
  trustDomain: string;
  /** the PeerAuthentication mode in force, read per connection (it changes with config reloads) */
  mode: () => PeerMode;
  refusals: MtlsStats;
  timeouts: H1ServerOptions;
  /** handles `Upgrade` requests, behind the same per-request mode check as `handler` */
  upgrade?: UpgradeHandler;
}

const SNIFF_TIMEOUT_MS = 60_000;

/**
 * The inbound server: one HTTP server for plaintext and TLS connections, told apart by their first byte;
 * TLS ones are served once the handshake and our checks of the client certificate passed. Closing,
 * closeIdleConnections and closeAllConnections cover both.
 */
export function inboundServer(handler: RequestHandler, o: InboundServerOptions): H1Server {
  // The mode is checked again per request: a keep-alive connection opened under an earlier mode is closed
  // once a reload forbids its kind (Envoy drains connections of a filter chain that changed).
  const allowed = (socket: net.Socket): boolean => {
    const mode = o.mode();
    const mutual = principals.has(socket);
    if ((mode === 'STRICT' && !mutual) || (mode === 'DISABLE' && mutual)) {
      o.refusals.refuse('inbound', mutual ? 'tls_under_disable' : 'plaintext_under_strict', {
        peer: socket.remoteAddress,
      });
      socket.destroy();
      return false;
    }
    return true;
  };
  const guarded: RequestHandler = (req, res) => {
    if (allowed(req.socket)) handler(req, res);
  };
  const server = new H1Server(guarded, o.timeouts);
  const upgrade = o.upgrade;
  if (upgrade)
    server.on('upgrade', (req: ServerRequest, socket: net.Socket, head: Buffer) => {
      if (allowed(socket)) upgrade(req, socket, head);
    });
  const cert = o.cert;
  const secure = cert
    ? tls.createServer({
        ...cert.serverOptions(),
        allowHalfOpen: true,
        requestCert: true,
        // We check the client certificate ourselves, to say why a caller was refused.
        rejectUnauthorized: false,
        ALPNProtocols: ['http/1.1'],
      })
    : undefined;
  if (secure && cert) {
    cert.onChange(() => secure.setSecureContext(cert.serverOptions()));
    secure.on('secureConnection', (socket: tls.TLSSocket) => {
      const id = verifyClient(socket, o);
      if (id === undefined) return void socket.destroy();
      principals.set(socket, id);
      clientCertDetails.set(socket, xfccElement(socket, socket.getPeerCertificate(), id));
      socket.setNoDelay(true);
      server.serve(socket);
    });
    secure.on('tlsClientError', (err: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
      o.refusals.refuse('inbound', 'handshake_failed', {
        peer: socket.remoteAddress,
        detail: err.code ?? err.message,
      });
    });
  }

  server.accept = (socket: net.Socket) => {
    socket.setTimeout(SNIFF_TIMEOUT_MS, () => socket.destroy());
    // Until http or tls owns the socket, nothing else handles its errors (a reset would be uncaught).
    const onEarlyError = () => socket.destroy();
    socket.on('error', onEarlyError);
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      socket.setTimeout(0);
      socket.off('error', onEarlyError);
      const mode = o.mode();
      const peer = socket.remoteAddress;
      if (chunk[0] === 0x16) {
        if (!secure) return refuse(socket, o, 'tls_not_configured', peer);
        if (mode === 'DISABLE') return refuse(socket, o, 'tls_under_disable', peer);
        socket.unshift(chunk);
        secure.emit('connection', socket);
        return;
      }
      if (mode === 'STRICT') return refuse(socket, o, 'plaintext_under_strict', peer);
      server.serve(socket, chunk);
    });
  };
  return server;
}

function refuse(socket: net.Socket, o: InboundServerOptions, reason: string, peer: string | undefined): void {
  o.refusals.refuse('inbound', reason, { peer });
  socket.destroy();
}

/** The caller's SPIFFE ID when its certificate is acceptable; undefined (and logged) when not. */
function verifyClient(socket: tls.TLSSocket, o: InboundServerOptions): string | undefined {
  const peer = socket.remoteAddress;
  const presented = socket.getPeerCertificate();
  if (!presented || Object.keys(presented).length === 0) {
    o.refusals.refuse('inbound', 'no_client_certificate', { peer });
    return undefined;
  }
  const id = spiffeIdOfSan(presented.subjectaltname);
  if (!socket.authorized) {
    const err: unknown = socket.authorizationError;
    const code =
      typeof err === 'string' ? err : ((err as NodeJS.ErrnoException | undefined)?.code ?? String(err));
    o.refusals.refuse('inbound', refusalReason(code), { peer, principal: id, detail: code });
    return undefined;
  }
  const td = id ? parseSpiffeId(id)?.trustDomain : undefined;
  if (!id || td !== o.trustDomain) {
    o.refusals.refuse('inbound', 'unexpected_spiffe_id', {
      peer,
      principal: id ?? presented.subjectaltname,
      detail: `not a SPIFFE ID of trust domain ${o.trustDomain}`,
    });
    return undefined;
  }
  return id;
}

/** Checks the callee's SPIFFE ID against what the destination is expected to run as. */
function checkPeerId(
  id: string | undefined,
  security: UpstreamSecurity,
  trustDomain: string,
): Error | undefined {
  const ok = id
    ? security.expectedIds.length > 0
      ? security.expectedIds.includes(id)
      : parseSpiffeId(id)?.trustDomain === trustDomain
    : false;
  if (ok) return undefined;
  const expected =
    security.expectedIds.length > 0 ? security.expectedIds.join(', ') : `any ID of ${trustDomain}`;
  return Object.assign(new Error(`peer presented ${id ?? 'no SPIFFE ID'}, expected ${expected}`), {
    code: 'ERR_MESH_SPIFFE_ID',
  });
}

const MAX_SESSIONS = 1024;

/**
 * Upstream connections over mTLS (plain for MESH_EXTERNAL destinations). The last TLS 1.3 session ticket
 * of each endpoint is kept, so a new connection resumes instead of doing a full handshake (measured ~1.5x
 * the new-connection rate). A resumed session carries no certificate (Node reports none), so the ticket is
 * stored with the SPIFFE ID verified on the full handshake that produced it: only the server holding that
 * session's ticket key can resume it. Tickets are keyed by endpoint and expected identities and dropped
 * whenever our certificate or anchors change; the callee's listener gets new ticket keys with its new
 * context.
 */
export function mtlsUpstream(
  cert: WorkloadCertificate,
  trustDomain: string,
  refusals: MtlsStats,
): UpstreamTransport {
  const sessions = new Map<string, { ticket: Buffer; id: string }>();
  cert.onChange(() => sessions.clear());
  return {
    securityPolicy: 'mutual_tls',
    connect(host, port, security) {
      if (security && !security.mtls) return net.connect({ host, port, noDelay: true });
      const sec = security ?? { mtls: true, expectedIds: [] };
      const key = `${host}:${port}|${sec.expectedIds.join(',')}`;
      const offered = sessions.get(key);
      const socket = tls.connect({
        host,
        port,
        secureContext: cert.clientContext(),
        ALPNProtocols: ['http/1.1'],
        session: offered?.ticket,
        checkServerIdentity: (_host, peerCert) =>
          checkPeerId(spiffeIdOfSan(peerCert.subjectaltname), sec, trustDomain),
      });
      socket.setNoDelay(true);
      socket.on('session', (ticket: Buffer) => {
        const id = principals.get(socket);
        if (!id) return; // not verified (yet): no ticket worth keeping
        if (sessions.size >= MAX_SESSIONS && !sessions.has(key)) sessions.clear();
        sessions.set(key, { ticket, id });
      });
      socket.once('secureConnect', () => {
        let id: string | undefined;
        if (socket.isSessionReused() && offered) {
          refusals.handshakes.resumed++;
          id = offered.id;
        } else {
          refusals.handshakes.full++;
          id = spiffeIdOfSan(socket.getPeerCertificate().subjectaltname);
        }
        // Node skips checkServerIdentity on a resumed session; the expectations may also have changed.
        const err = checkPeerId(id, sec, trustDomain);
        if (err || !id) {
          sessions.delete(key);
          socket.destroy(err);
          return;
        }
        principals.set(socket, id);
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        const reason = tlsRefusalOf(err);
        if (reason) refusals.refuse('outbound', reason, { peer: `${host}:${port}`, detail: err.message });
      });
      return socket;
    },
  };
}
