/**
 * `meshscope ca serve`: the signing endpoint agents call for their certificate (Istio's istiod listens on
 * 15012 for the same). HTTPS with a certificate from the mesh CA, so an agent that trusts the bundle knows it
 * talks to the CA before it sends a token.
 *
 *   POST /v1/certificates  {"csr": PEM, "ttlSeconds"?: n}  Authorization: Bearer <bootstrap token>
 *     → 200 {"certificateChain": PEM, "trustBundle": PEM, "notAfter": ISO}
 *   A renewing agent may present its current certificate instead of a token.
 *   GET /v1/trust-bundle → the anchors (PEM)
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { CaRefusal, DEFAULT_LEAF_TTL_MS, type MeshCa } from './ca.js';
import { parseSpiffeId, spiffeIdOfSan } from './spiffe.js';
import { grantOf, loadTokens } from './tokens.js';

export interface CaServerOptions {
  ca: MeshCa;
  host: string;
  port: number;
  /** more names (DNS or IP) for its HTTPS certificate, besides localhost, 127.0.0.1 and `host` */
  sans?: readonly string[];
  /** the longest lifetime a caller may ask for, and the default */
  maxTtlMs?: number;
  log: Logger;
}

export interface CaServer {
  readonly port: number;
  readonly url: string;
  /** counters, for tests and the log */
  readonly stats: { issued: number; refused: number };
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new CaRefusal(413, `request body over ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'application/x-pem-file' : 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export async function startCaServer(options: CaServerOptions): Promise<CaServer> {
  const { ca, log } = options;
  const maxTtlMs = options.maxTtlMs ?? DEFAULT_LEAF_TTL_MS;
  const own = await ca.serverCertificate([
    ...new Set(['localhost', '127.0.0.1', options.host, ...(options.sans ?? [])]),
  ]);
  const stats = { issued: 0, refused: 0 };

  /** Who the caller proved to be: a bootstrap token's grant, or the ID of its still-valid certificate. */
  const grantedId = async (req: IncomingMessage): Promise<string> => {
    const auth = req.headers.authorization;
    if (typeof auth === 'string' && auth.startsWith('Bearer ')) {
      const id = grantOf(await loadTokens(ca.dir), auth.slice(7).trim(), Date.now());
      if (!id) throw new CaRefusal(401, 'bootstrap token not recognised or expired');
      return id;
    }
    const socket = req.socket as TLSSocket;
    if (socket.authorized) {
      const id = spiffeIdOfSan(socket.getPeerCertificate().subjectaltname);
      if (id && parseSpiffeId(id)?.trustDomain === ca.trustDomain) return id;
    }
    throw new CaRefusal(
      401,
      'send Authorization: Bearer <bootstrap token>, or renew with a valid certificate',
    );
  };

  const sign = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const id = await grantedId(req);
    let body: { csr?: unknown; ttlSeconds?: unknown };
    try {
      body = JSON.parse(await readBody(req)) as typeof body;
    } catch (e) {
      if (e instanceof CaRefusal) throw e;
      throw new CaRefusal(400, 'body must be JSON: {"csr": "<PEM>", "ttlSeconds": n}');
    }
    if (typeof body.csr !== 'string') throw new CaRefusal(400, 'body.csr must be a PEM string');
    const asked =
      typeof body.ttlSeconds === 'number' && body.ttlSeconds > 0 ? body.ttlSeconds * 1000 : maxTtlMs;
    const leaf = await ca.signCsr(body.csr, id, Math.min(asked, maxTtlMs));
    stats.issued++;
    log.info({ id, notAfter: leaf.certificate.notAfter.toISOString() }, 'certificate issued');
    reply(res, 200, {
      certificateChain: leaf.chainPem,
      trustBundle: leaf.bundlePem,
      notAfter: leaf.certificate.notAfter.toISOString(),
    });
  };

  const server = https.createServer(
    {
      cert: own.chainPem,
      key: own.keyPem,
      ca: await ca.bundlePem(),
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    },
    (req, res) => {
      const route = `${req.method ?? ''} ${(req.url ?? '').split('?')[0] ?? ''}`;
      const work =
        route === 'POST /v1/certificates'
          ? sign(req, res)
          : route === 'GET /v1/trust-bundle'
            ? ca.bundlePem().then((pem) => reply(res, 200, pem))
            : Promise.reject(new CaRefusal(404, 'routes: POST /v1/certificates, GET /v1/trust-bundle'));
      work.catch((e: unknown) => {
        const refusal = e instanceof CaRefusal ? e : new CaRefusal(500, 'internal error signing the csr');
        if (!(e instanceof CaRefusal)) log.error({ err: e }, 'ca request failed');
        stats.refused++;
        log.warn(
          { status: refusal.status, reason: refusal.message, peer: req.socket.remoteAddress },
          'ca request refused',
        );
        if (!res.headersSent) reply(res, refusal.status, { error: refusal.message });
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, trustDomain: ca.trustDomain }, 'ca listening');
  return {
    port,
    url: `https://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
