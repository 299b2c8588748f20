/**
 * Upgrade (WebSocket and other protocols) passthrough: the handshake is forwarded like a request; after a
 * 101 the two sockets are spliced and bytes flow untouched until either side closes. A refused upgrade
 * (any other status) is relayed as a normal response.
 */
import http from 'node:http';
import type { ServerRequest } from './h1-server.js';
import type { Duplex } from 'node:stream';
import type { UpstreamSecurity, UpstreamTransport } from './transport.js';

export interface UpgradeTarget {
  host: string;
  port: number;
  path: string;
  /** forwarded request headers, without hop-by-hop ones; Connection/Upgrade are re-added here */
  headers: string[];
  /** how to secure the connection (to a peer agent); absent for the local app */
  security?: UpstreamSecurity;
}

function head(status: number, message: string, raw: readonly string[]): string {
  let out = `HTTP/1.1 ${status} ${message}\r\n`;
  for (let i = 0; i < raw.length; i += 2) out += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return `${out}\r\n`;
}

/**
 * Tunnels an upgrade to `target`; `onDone(status)` runs once the handshake is answered (status 0 when the
 * upstream could not be reached). Both sockets go into `open` while the tunnel lives, so drain can close them.
 */
export function tunnelUpgrade(
  req: ServerRequest,
  socket: Duplex,
  clientHead: Buffer,
  target: UpgradeTarget,
  transport: UpstreamTransport,
  open: Set<Duplex>,
  onDone: (status: number, responseHeaders: readonly string[]) => void,
  responseExtra: readonly string[] = [],
): void {
  const upgrade = req.headers.upgrade ?? 'websocket';
  const headers = [...target.headers, 'connection', 'Upgrade', 'upgrade', upgrade];
  open.add(socket);
  socket.once('close', () => open.delete(socket));
  socket.on('error', () => socket.destroy());
  const upReq = http.request({
    host: target.host,
    port: target.port,
    method: req.method,
    path: target.path,
    headers,
    setHost: false,
    // An upgraded connection never goes back to a pool: it gets its own.
    createConnection: () => transport.connect(target.host, target.port, target.security),
  });
  upReq.on('upgrade', (upRes, upSocket, upHead) => {
    open.add(upSocket);
    upSocket.once('close', () => open.delete(upSocket));
    const raw = [...upRes.rawHeaders, ...responseExtra];
    socket.write(head(upRes.statusCode ?? 101, upRes.statusMessage ?? 'Switching Protocols', raw));
    if (upHead.length > 0) socket.write(upHead);
    if (clientHead.length > 0) upSocket.write(clientHead);
    upSocket.on('error', () => socket.destroy());
    socket.on('error', () => upSocket.destroy());
    upSocket.once('close', () => socket.destroy());
    socket.once('close', () => upSocket.destroy());
    socket.pipe(upSocket).pipe(socket);
    onDone(upRes.statusCode ?? 101, upRes.rawHeaders);
  });
  upReq.on('response', (upRes) => {
    // The body is relayed decoded and delimited by closing the connection.
    const clean: string[] = [];
    const r = upRes.rawHeaders;
    for (let i = 0; i < r.length; i += 2) {
      const n = r[i] as string;
      if (!/^(connection|keep-alive|upgrade|transfer-encoding)$/i.test(n)) clean.push(n, r[i + 1] as string);
    }
    socket.write(head(upRes.statusCode ?? 502, upRes.statusMessage ?? '', [...clean, 'connection', 'close']));
    upRes.pipe(socket);
    onDone(upRes.statusCode ?? 502, upRes.rawHeaders);
  });
  upReq.on('error', () => {
    const body = 'upstream connect error or disconnect/reset before headers';
    socket.end(
      `HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
    );
    onDone(0, []);
  });
  upReq.end();
}

/** A local refusal on an upgrade socket (no route, overflow, RBAC, rate limit…), with `extra` headers. */
export function refuseUpgrade(
  socket: Duplex,
  status: number,
  reason: string,
  body: string,
  extra: readonly string[] = [],
): void {
  socket.end(
    head(status, reason, [
      'content-type',
      'text/plain',
      'content-length',
      String(Buffer.byteLength(body)),
      ...extra,
      'connection',
      'close',
    ]) + body,
  );
}
