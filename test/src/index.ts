// ClickHouse HTTP interface over embedded chDB, for server-mode tests.
export { startClickHouseHttpShim } from './fixtures/clickhouse-http-shim.js';
export type { ClickHouseHttpShim, ClickHouseHttpShimOptions } from './fixtures/clickhouse-http-shim.js';
