/** The admin port: readiness, liveness, Prometheus metrics, the effective config, and /shutdown for Jobs. */
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

export function createAdminHandler(src: AdminSource): http.RequestListener {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
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
