/**
 * `@meshscope/proxy-agent/http1`: the agent's HTTP/1.1 server and client on their own, for measurements
 * that need them without the agent around them (bench:proxy's bare relay pair), and the llhttp binding they
 * parse with (its minimal relay pair). Not a supported API.
 */
export { H1Server } from './h1-server.js';
export type { RequestHandler, ServerRequest, ServerResponse } from './h1-server.js';
export { H1Pools, H1Request } from './h1-client.js';
export type { H1Response } from './h1-client.js';
export { createAppAgent } from './inbound.js';
export { LISTENER_TIMEOUTS } from './transport.js';
export { HTTPParser, kOnBody, kOnHeadersComplete, kOnMessageComplete, METHODS } from './llhttp.js';
