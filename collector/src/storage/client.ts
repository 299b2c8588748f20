import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type * as ChdbConnectionModule from 'chdb/connection';
import type { StorageConfig } from './config.js';

/**
 * One ClickHouse client for the whole process, embedded (chDB) or server. Everything above this module is
 * the same code for both modes: only the Connection under `@clickhouse/client` differs.
 */
export interface StorageClient {
  readonly client: ClickHouseClient;
  readonly mode: 'embedded' | 'server';
  readonly database: string;
  readonly cluster: string | undefined;
  /** Where data lives, for logs: the chDB directory or the server URL without credentials. */
  readonly location: string;
  /** `db`.`name`, for SQL text. `name` must be one of our own table names, never request input. */
  table(name: string): string;
  close(): Promise<void>;
}

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

export async function createStorageClient(config: StorageConfig): Promise<StorageClient> {
  if (config.url) {
    const url = new URL(config.url);
    const location = `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
    const client = createClient({
      url: config.url,
      username: config.user,
      password: config.password,
      request_timeout: 60_000,
      compression: { request: true, response: true },
      keep_alive: { enabled: true, idle_socket_ttl: 2_500 },
    });
    return wrap(client, 'server', config, location);
  }
  const dataDir = resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true });
  // Loaded lazily so that server-mode deployments can omit chDB (an optional dependency) altogether.
  const { createChdbConnection } = await loadChdb();
  // chdb implements @clickhouse/client-common's Connection contract; @clickhouse/client bundles its own copy
  // of those declarations (with a longer settings list), so the two types differ nominally, not at run time.
  let connection: ClientConnection;
  try {
    connection = createChdbConnection({ path: dataDir }) as unknown as ClientConnection;
  } catch (err) {
    throw new StorageOpenError(
      `cannot open embedded ClickHouse in ${dataDir} (${(err as Error).message}). chDB allows one process ` +
        'per data directory: if another meshscope is using it, stop that one or choose another --data-dir.',
      { cause: err },
    );
  }
  const client = createClient({ connection });
  return wrap(client, 'embedded', config, dataDir);
}

/** Storage could not be opened for a reason the operator can act on; the message says which. */
export class StorageOpenError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StorageOpenError';
  }
}

type ChdbModule = typeof ChdbConnectionModule;

async function loadChdb(): Promise<ChdbModule> {
  try {
    return await import('chdb/connection');
  } catch (err) {
    throw new StorageOpenError(
      'Embedded storage needs the optional package "chdb" (npm install chdb), or set a ClickHouse server URL ' +
        `(--clickhouse-url / CLICKHOUSE_URL). Loading chdb failed: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

function wrap(
  client: ClickHouseClient,
  mode: 'embedded' | 'server',
  config: StorageConfig,
  location: string,
): StorageClient {
  const db = config.database;
  return {
    client,
    mode,
    database: db,
    cluster: config.cluster,
    location,
    table: (name) => `\`${db}\`.\`${name}\``,
    close: () => client.close(),
  };
}
