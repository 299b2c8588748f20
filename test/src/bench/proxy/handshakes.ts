/**
 * New-connection rate against an mTLS listener: each connection does a full handshake with a client
 * certificate (or resumes a TLS 1.3 session from a ticket of the previous one), sends one request and reads
 * the response. Counts only connections answered 200, so a refused resumption cannot inflate the figure.
 */
import tls from 'node:tls';

export interface HandshakeResult {
  perSec: number;
  ok: number;
  failed: number;
  resumed: number;
}

export interface ClientFiles {
  cert: string;
  key: string;
  ca: string;
}

function once(
  port: number,
  host: string,
  files: ClientFiles,
  session: Buffer | undefined,
): Promise<{ ok: boolean; resumed: boolean; ticket: Buffer | undefined }> {
  return new Promise((resolve) => {
    let ticket: Buffer | undefined;
    let body = '';
    let resumed = false;
    const s = tls.connect({
      host: '127.0.0.1',
      port,
      ...files,
      session,
      // workload certificates carry a SPIFFE ID, not a host name
      checkServerIdentity: () => undefined,
    });
    s.setTimeout(5000, () => s.destroy());
    s.on('session', (t: Buffer) => (ticket = t));
    s.on('secureConnect', () => {
      // asked now: once closed, the socket no longer knows
      resumed = s.isSessionReused();
      s.write(`GET / HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`);
    });
    s.on('data', (d: Buffer) => (body += d.toString()));
    s.on('error', () => undefined);
    s.on('close', () => resolve({ ok: body.startsWith('HTTP/1.1 200'), resumed, ticket }));
  });
}

export async function handshakeRate(
  port: number,
  host: string,
  files: ClientFiles,
  seconds: number,
  concurrency: number,
  resume: boolean,
): Promise<HandshakeResult> {
  const end = Date.now() + seconds * 1000;
  const r = { ok: 0, failed: 0, resumed: 0 };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      let session: Buffer | undefined;
      while (Date.now() < end) {
        const o = await once(port, host, files, resume ? session : undefined);
        if (o.ok) r.ok++;
        else r.failed++;
        if (o.resumed) r.resumed++;
        if (o.ticket) session = o.ticket;
      }
    }),
  );
  return { ...r, perSec: r.ok / seconds };
}
