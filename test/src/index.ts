// ClickHouse HTTP interface over embedded chDB, for server-mode tests.
export { startClickHouseHttpShim } from './fixtures/clickhouse-http-shim.js';
export type { ClickHouseHttpShim, ClickHouseHttpShimOptions } from './fixtures/clickhouse-http-shim.js';
// `meshscope collector` as a child process, and raw OTLP/HTTP requests over real sockets.
export {
  startCollectorProcess,
  startMeshscopeProcess,
  describeExit,
  MESHSCOPE_MAIN,
} from './fixtures/collector-process.js';
export type { CollectorProcess, MeshscopeProcess, ProcessExit } from './fixtures/collector-process.js';
export { postRaw, decodeRpcStatus } from './fixtures/otlp-wire.js';
export type { WireResponse } from './fixtures/otlp-wire.js';
