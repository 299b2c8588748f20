import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchingWriter,
  createCollectorMetrics,
  createStorageClient,
  migrate,
  ReadApi,
  Spool,
  StorageSink,
  storageConfigSchema,
  type SpanRow,
  type StorageClient,
} from '@meshscope/collector';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseHttpShim, type ClickHouseHttpShim } from '../src/index.js';

/**
 * The server-mode code path (@clickhouse/client over HTTP) end to end: schema, writes through the batching
 * writer, reads through the read API, against a ClickHouse HTTP interface (the shim runs the real engine).
 */
let dir: string;
let shim: ClickHouseHttpShim;
let storage: StorageClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshscope-server-mode-'));
  shim = await startClickHouseHttpShim({
    dataDir: join(dir, 'chdb'),
    host: '127.0.0.1',
    user: 'meshscope',
    password: 's3cret',
  });
  const config = storageConfigSchema.parse({ url: shim.url, user: 'meshscope', password: 's3cret' });
  storage = await createStorageClient(config);
  await migrate(storage, config.retention);
});
afterAll(async () => {
  await storage.close();
  await shim.close();
  await rm(dir, { recursive: true, force: true });
});

function span(traceId: string, name: string): SpanRow {
  return {
    Timestamp: String(BigInt(Date.now() - 30_000) * 1_000_000n),
    TraceId: traceId,
    SpanId: Math.floor(Math.random() * 2 ** 52)
      .toString(16)
      .padStart(16, '0'),
    ParentSpanId: '',
    TraceState: '',
    SpanName: name,
    SpanKind: 'Server',
    ServiceName: 'checkout',
    ResourceAttributes: { 'service.name': 'checkout' },
    ScopeName: '',
    ScopeVersion: '',
    SpanAttributes: { note: "it's \\ {x:String}" },
    Duration: 1_500_000,
    StatusCode: 'Unset',
    StatusMessage: '',
    'Events.Timestamp': [],
    'Events.Name': [],
    'Events.Attributes': [],
    'Links.TraceId': [],
    'Links.SpanId': [],
    'Links.TraceState': [],
    'Links.Attributes': [],
  };
}

describe('server mode', () => {
  it('migrates, writes through the batching writer and reads back through the read API', async () => {
    expect(storage.mode).toBe('server');
    const writer = new BatchingWriter(
      storage,
      await Spool.open(join(dir, 'spool'), 1 << 20),
      { maxBatchRows: 1000, flushIntervalMs: 10, maxQueueRows: 10_000, retryAfterSec: 1 },
      createCollectorMetrics(),
      pino({ level: 'silent' }),
    );
    const traceId = 'ab'.repeat(16);
    const spans = [span(traceId, 'GET /cart'), span(traceId, 'POST /pay')];
    await new StorageSink(writer).writeSpans(spans);
    await writer.close();

    const read = new ReadApi(storage, storageConfigSchema.parse({}).queryLimits);
    const stored = await read.trace(traceId);
    expect(stored.map((s) => s.SpanName).sort()).toEqual(['GET /cart', 'POST /pay']);
    expect(stored[0]?.SpanAttributes).toEqual({ note: "it's \\ {x:String}" });
    expect(stored[0]?.Timestamp).toBe(spans.find((s) => s.SpanId === stored[0]?.SpanId)?.Timestamp);
    expect(await read.services()).toEqual(['checkout']);
  });

  it('refuses wrong credentials with a clear error', async () => {
    const bad = await createStorageClient(
      storageConfigSchema.parse({ url: shim.url, user: 'meshscope', password: 'nope' }),
    );
    await expect(migrate(bad, storageConfigSchema.parse({}).retention)).rejects.toThrow(
      /Authentication failed|password/i,
    );
    await bad.close();
  });
});
