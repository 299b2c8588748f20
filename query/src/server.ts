import { fileURLToPath } from 'node:url';
import type { QueryLimits, ReadApi, StorageClient } from '@meshscope/collector';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { QueryConfig } from './config.js';

/** The workspace's built UI, next to this package (query/{src,dist} → ui/dist). */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../ui/dist/', import.meta.url));

export interface QueryServiceHandle {
  readonly app: FastifyInstance;
  /** http://host:port the service listens on */
  readonly url: string;
  /** Stops accepting connections and waits for requests in flight. */
  close(): Promise<void>;
}

export interface QueryServiceOptions {
  /** ClickHouse bounds when `storage` is a client (the storage configuration's `queryLimits`) */
  queryLimits?: QueryLimits;
}

/** Builds the query service and listens on config.host:config.port (port 0: any free port). */
export async function startQueryService(
  config: QueryConfig,
  storage: StorageClient | ReadApi,
  log: FastifyBaseLogger,
  options: QueryServiceOptions = {},
): Promise<QueryServiceHandle> {
  const app = await buildApp({
    storage,
    config,
    logger: log,
    uiDir: config.uiDir ?? DEFAULT_UI_DIR,
    ...(options.queryLimits ? { queryLimits: options.queryLimits } : {}),
  });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  log.info({ url, docs: `${url}/api/docs` }, 'query service listening');
  return { app, url, close: () => app.close() };
}
