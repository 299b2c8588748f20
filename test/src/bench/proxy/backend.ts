/** Benchmark backend (its own process): answers every request with a small fixed body, keep-alive. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const body = Buffer.from('{"status":"ok","items":[1,2,3]}');
const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
