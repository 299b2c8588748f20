/**
 * The admin port: readiness, liveness, Prometheus metrics, the effective config, and /shutdown for Jobs.
 * In a pod it listens on the pod's address, for the kubelet's probes and Prometheus; /config and
 * /shutdown answer only callers on this host (the pod's own containers), as Istio keeps Envoy's admin and
 * pilot-agent's /quitquitquit to localhost: any pod could otherwise stop this agent or read its config.
 */
import type http from 'node:http';

export interface AdminSource {
  ready(): boolean;
  metrics(): string;
  config(): unknown;
  shutdown(): void;
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Whether `address` is this host's loopback: 127.0.0.0/8, ::1, or 127.0.0.0/8 mapped into IPv6. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

const LOCAL_ONLY = new Set(['/config', '/shutdown']);

export function createAdminHandler(src: AdminSource): http.RequestListener {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (LOCAL_ONLY.has(path) && !isLoopback(req.socket.remoteAddress))
      return send(
        res,
        403,
        'text/plain',
        `${path} answers callers on this host only (127.0.0.1); from elsewhere: /ready, /live, /metrics\n`,
      );
    switch (path) {
      case '/ready':
        return src.ready()
          ? send(res, 200, 'text/plain', 'ready\n')
          : send(res, 503, 'text/plain', 'not ready: draining or not started\n');
      case '/live':
        return send(res, 200, 'text/plain', 'live\n');
      case '/metrics':
        return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', src.metrics());
      case '/config':
        return send(res, 200, 'application/json', `${JSON.stringify(src.config(), null, 2)}\n`);
      case '/shutdown':
        // A state change: POST only, so a crawler or a browser prefetch cannot stop the agent.
        if (req.method !== 'POST') return send(res, 405, 'text/plain', 'use POST /shutdown\n');
        send(res, 202, 'text/plain', 'draining\n');
        src.shutdown();
        return;
      default:
        return send(
          res,
          404,
          'text/plain',
          'not found: try /ready, /live, /metrics, /config, POST /shutdown\n',
        );
    }
  };
}
