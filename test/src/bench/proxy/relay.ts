/**
 * Benchmark reference (its own process): a relay built from the agent's own HTTP/1.1 server and client and
 * nothing else: no routing, policy, trace context, telemetry or added headers. Two in a row (as outbound →
 * inbound) run what an agent hop must run at the least, so bench:proxy can show, in the same run, how much
 * of the gap to nginx is the agent's own work and how much is two more processes and their HTTP on this
 * machine. Argument: the upstream port on 127.0.0.1.
 */
import type { AddressInfo } from 'node:net';
import {
  createAppAgent,
  H1Request,
  type H1Response,
  H1Server,
  LISTENER_TIMEOUTS,
} from '@meshscope/proxy-agent/http1';

const upstreamPort = Number(process.argv[2]);
const pools = createAppAgent(30_000);

const server = new H1Server((req, res) => {
  const up = new H1Request(pools, '127.0.0.1', upstreamPort, {
    method: req.method,
    path: req.url,
    headers: req.rawHeaders,
    hasBody: req.body !== undefined,
  });
  if (req.body) req.body.pipe(up.bodySink());
  up.on('response', (r: H1Response) => {
    res.writeHead(r.statusCode, r.rawHeaders);
    r.on('data', (chunk: Buffer) => {
      if (!res.write(chunk)) {
        r.pause();
        res.once('drain', () => r.resume());
      }
    });
    r.on('end', () => res.end());
    r.on('close', () => {
      if (!r.complete) res.destroy();
    });
  });
  up.on('error', () => {
    if (res.headersSent) res.destroy();
    else res.writeHead(502, ['content-length', '0']).end();
  });
  res.on('close', () => {
    if (!res.finished) up.destroy();
  });
}, LISTENER_TIMEOUTS);

server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
