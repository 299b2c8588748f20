/**
 * Benchmark reference (its own process): the least an HTTP/1.1 relay written in Node can do. Node's own
 * llhttp binding parses both ways (as the agent's h1-server and h1-client do), each caller connection has
 * one upstream connection of its own, and heads and bodies are written on as they are parsed: no request
 * or response objects, streams, events, pools, timeouts or error answers. It relays what the bench sends
 * (requests without bodies, answers framed by Content-Length) and nothing is meant to rest on it.
 *
 * Two in a row (as outbound → inbound) tell, in each run of bench:proxy, what two Node processes that
 * parse HTTP reach on this machine at most: the ceiling of any agent hop built on Node, where the bare
 * relay pair (relay.ts) is the floor of ours. Argument: the upstream port on 127.0.0.1.
 */
import net, { type AddressInfo } from 'node:net';
import {
  HTTPParser,
  kOnBody,
  kOnHeadersComplete,
  kOnMessageComplete,
  METHODS,
} from '@meshscope/proxy-agent/http1';

const upstreamPort = Number(process.argv[2]);
const MAX_HEAD = 16 * 1024;

function head(firstLine: string, raw: string[]): string {
  let s = firstLine;
  for (let i = 0; i < raw.length; i += 2) s += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return `${s}\r\n`;
}

const server = net.createServer((caller) => {
  const upstream = net.connect(upstreamPort, '127.0.0.1');
  caller.setNoDelay(true);
  upstream.setNoDelay(true);
  const requests = new HTTPParser();
  requests.initialize(HTTPParser.REQUEST, {}, MAX_HEAD, 0);
  const answers = new HTTPParser();
  answers.initialize(HTTPParser.RESPONSE, {}, MAX_HEAD, 0);
  requests[kOnHeadersComplete] = (_maj: number, _min: number, raw: string[], method: number, url: string) => {
    upstream.write(head(`${METHODS[method] ?? 'GET'} ${url} HTTP/1.1\r\n`, raw));
  };
  requests[kOnBody] = (b: Buffer) => upstream.write(b);
  requests[kOnMessageComplete] = () => undefined;
  answers[kOnHeadersComplete] = (
    _maj: number,
    _min: number,
    raw: string[],
    _method: number,
    _url: string,
    status: number,
    reason: string,
  ) => {
    caller.write(head(`HTTP/1.1 ${status} ${reason}\r\n`, raw));
  };
  answers[kOnBody] = (b: Buffer) => caller.write(b);
  answers[kOnMessageComplete] = () => undefined;
  const close = () => {
    caller.destroy();
    upstream.destroy();
    requests.close();
    answers.close();
  };
  caller.on('data', (d: Buffer) => {
    if (requests.execute(d) instanceof Error) close();
  });
  upstream.on('data', (d: Buffer) => {
    // head and body arrive in one read here, so cork to hand them to the kernel in one write
    caller.cork();
    const r = answers.execute(d);
    caller.uncork();
    if (r instanceof Error) close();
  });
  caller.on('error', close);
  upstream.on('error', close);
  caller.on('close', close);
  upstream.on('close', close);
});

server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
