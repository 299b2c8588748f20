import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DemoWorkload } from './mesh.js';

/** Headers an app copies from the request it serves to the requests it makes, so one trace spans the hops. */
const PROPAGATED = [
  'traceparent',
  'tracestate',
  'x-request-id',
  'b3',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
];

export interface Reply {
  status: number;
  body: unknown;
}

/** Where an app's outgoing calls go: its agent's outbound listener, and orders outside the mesh. */
export interface Peers {
  outboundPort: number;
  ordersUrl?: string;
}

/** One demo application: a plain HTTP server that knows nothing of the mesh but its agent's port. */
export interface DemoApp {
  readonly port: number;
  readonly peers: Peers;
  close(): Promise<void>;
}

function forwarded(req: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PROPAGATED) {
    const v = req.headers[name];
    if (typeof v === 'string') out[name] = v;
  }
  return out;
}

/** GET `url` with `headers`; a transport error is a status 0 reply, never a throw. */
export function get(
  agent: http.Agent,
  url: string,
  headers: Record<string, string>,
  timeoutMs = 5000,
): Promise<Reply> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => resolve({ status: 0, body: null }));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // plain text answers (the agent's own 503s) stay text
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: null }));
  });
}

type Handler = (
  req: http.IncomingMessage,
  call: (host: string, path: string) => Promise<Reply>,
  peers: Peers,
) => Promise<Reply>;

const HANDLERS: Record<string, (version: string) => Handler> = {
  productpage: () => async (_req, call, peers) => {
    const [details, reviews] = await Promise.all([
      call('details', '/details/0'),
      call('reviews', '/reviews/0'),
    ]);
    const orders = peers.ordersUrl ? await call('', `${peers.ordersUrl}/orders/0`) : undefined;
    return {
      status: details.status === 200 ? 200 : 502,
      body: {
        details: details.status === 200 ? details.body : 'details unavailable',
        reviews: reviews.status === 200 ? reviews.body : 'reviews unavailable',
        orders: orders?.status === 200 ? orders.body : 'orders unavailable',
      },
    };
  },
  details: () => () =>
    Promise.resolve({
      status: 200,
      body: { id: 0, author: 'William Shakespeare', year: 1595, type: 'paperback', pages: 200 },
    }),
  reviews: (version) => async (_req, call) => {
    const reviews = [
      { reviewer: 'Reviewer1', text: 'An extremely entertaining play by Shakespeare.' },
      { reviewer: 'Reviewer2', text: 'Absolutely fun and entertaining.' },
    ];
    if (version === 'v1') return { status: 200, body: { version, reviews } };
    const ratings = await call('ratings', '/ratings/0');
    // like Bookinfo's reviews, a ratings failure degrades the page instead of failing it
    const stars = ratings.status === 200 ? ratings.body : 'ratings unavailable';
    return { status: 200, body: { version, color: version === 'v2' ? 'black' : 'red', reviews, stars } };
  },
  ratings: () => () =>
    Promise.resolve({ status: 200, body: { id: 0, ratings: { Reviewer1: 5, Reviewer2: 4 } } }),
};

/** Starts `workload`'s app on 127.0.0.1 (port 0); set `peers.outboundPort` once its agent listens. */
export async function startApp(workload: DemoWorkload, client: http.Agent, peers: Peers): Promise<DemoApp> {
  const factory = HANDLERS[workload.app];
  if (!factory) throw new Error(`demo: no app called ${workload.app}`);
  const handle = factory(workload.version);
  const server = http.createServer((req, res) => {
    const headers = forwarded(req);
    const call = (host: string, path: string) =>
      host === ''
        ? get(client, path, headers)
        : get(client, `http://127.0.0.1:${peers.outboundPort}${path}`, { ...headers, host });
    handle(req, call, peers).then(
      (reply) =>
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body)),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('demo app error'),
    );
  });
  server.keepAliveTimeout = 10_000; // above the agent's idle timeout, so the agent closes first
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    peers,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
