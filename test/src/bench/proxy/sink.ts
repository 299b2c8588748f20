/** A do-nothing OTLP/HTTP receiver for the benchmark: reads each export and answers 200. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Sink {
  url: string;
  requests: number;
  bytes: number;
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const sink = { url: '', requests: 0, bytes: 0, close: () => Promise.resolve() };
  const server = http.createServer((req, res) => {
    req.on('data', (c: Buffer) => (sink.bytes += c.length));
    req.on('end', () => {
      sink.requests++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sink.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return sink;
}
