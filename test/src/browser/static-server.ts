import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the built UI on 127.0.0.1 with an SPA fallback; `/api/*` goes to `api`, which by default drops the
 * connection — what a browser sees when the query service is down behind a reverse proxy that still
 * serves the static files.
 */
export async function startStaticServer(
  dir: string,
  api: (req: IncomingMessage, res: ServerResponse) => void = (req) => req.socket.destroy(),
): Promise<StaticServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/api/')) {
      api(req, res);
      return;
    }
    const file = join(dir, normalize(path).replace(/^(\.\.[/\\])+/, ''));
    void stat(file)
      .then((s) => (s.isFile() ? file : join(dir, 'index.html')))
      .catch(() => join(dir, 'index.html'))
      .then((target) => {
        res.writeHead(200, { 'Content-Type': TYPES[extname(target)] ?? 'application/octet-stream' });
        createReadStream(target).pipe(res);
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
