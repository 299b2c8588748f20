import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IngestUnavailableError } from '../../src/ingest/sink.js';
import { StorageSink } from '../../src/ingest/storage-sink.js';
import { createCollectorMetrics } from '../../src/observability/metrics.js';
import { Spool } from '../../src/spool/spool.js';
import type { StorageClient } from '../../src/storage/client.js';
import { Tables } from '../../src/storage/schema/tables.js';
import {
  BatchingWriter,
  StorageRejectedError,
  type WriterOptions,
} from '../../src/writer/batching-writer.js';
import { withFaults } from '../helpers/faults.js';
import { makeSpan } from '../helpers/rows.js';
import { openTestStorage } from '../helpers/storage.js';

let storage: StorageClient;
let dir: string;
let cleanup: () => Promise<void>;
const log = pino({ level: 'silent' });
const options: WriterOptions = {
  maxBatchRows: 1000,
  flushIntervalMs: 50,
  maxQueueRows: 5000,
  retryAfterSec: 2,
};
let spoolSeq = 0;

beforeAll(async () => {
  ({ storage, dir, cleanup } = await openTestStorage());
});
afterAll(async () => cleanup());
beforeEach(async () => {
  await storage.client.command({ query: `TRUNCATE TABLE ${storage.table(Tables.traces)}` });
});

async function count(where = '1'): Promise<number> {
  const rs = await storage.client.query({
    query: `SELECT count() AS c FROM ${storage.table(Tables.traces)} WHERE ${where}`,
    format: 'JSONEachRow',
  });
  return Number((await rs.json<{ c: string }>())[0]?.c);
}

async function newWriter(s: StorageClient, spoolDir = join(dir, `spool-${++spoolSeq}`), opts = options) {
  const spool = await Spool.open(spoolDir, 64 * 1024 * 1024);
  const metrics = createCollectorMetrics();
  const writer = new BatchingWriter(s, spool, opts, metrics, log);
  return { writer, spool, spoolDir, metrics, sink: new StorageSink(writer) };
}

async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('BatchingWriter', () => {
  it('stores every span exactly as given, all 22 columns', async () => {
    const { writer, sink } = await newWriter(storage);
    const span = makeSpan({
      ParentSpanId: 'a1b2c3d4e5f60718',
      TraceState: 'vendor=x',
      SpanKind: 'Client',
      StatusCode: 'Error',
      StatusMessage: "it's broken \\ badly",
      'Events.Timestamp': ['1732441200123456789'],
      'Events.Name': ['exception'],
      'Events.Attributes': [{ 'exception.type': 'Error' }],
      'Links.TraceId': ['0af7651916cd43dd8448eb211c80319c'],
      'Links.SpanId': ['b7ad6b7169203331'],
      'Links.TraceState': ['a=b'],
      'Links.Attributes': [{ 'link.kind': 'follows' }],
    });
    await sink.writeSpans([span]);
    const rs = await storage.client.query({
      query: `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS Timestamp, TraceId, SpanId, ParentSpanId, TraceState,
        SpanName, SpanKind, ServiceName, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, Duration,
        StatusCode, StatusMessage, arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS \`Events.Timestamp\`,
        Events.Name AS \`Events.Name\`, Events.Attributes AS \`Events.Attributes\`, Links.TraceId AS \`Links.TraceId\`,
        Links.SpanId AS \`Links.SpanId\`, Links.TraceState AS \`Links.TraceState\`, Links.Attributes AS \`Links.Attributes\`
        FROM ${storage.table(Tables.traces)}`,
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([span]);
    await writer.close();
  });

  it('batches concurrent requests into few inserts and acknowledges each', async () => {
    const { writer, sink, metrics } = await newWriter(storage);
    await Promise.all(
      Array.from({ length: 40 }, () => sink.writeSpans(Array.from({ length: 50 }, () => makeSpan()))),
    );
    expect(await count()).toBe(2000);
    const inserts = (await metrics.insertDuration.get()).values.find((v) => v.metricName?.endsWith('_count'));
    expect(inserts?.value).toBeLessThanOrEqual(4);
    await writer.close();
  });

  it('refuses rows beyond the queue bound with a retryable error instead of growing', async () => {
    const { storage: slow, faults } = withFaults(storage);
    const { writer, sink } = await newWriter(slow, undefined, {
      ...options,
      maxQueueRows: 300,
      flushIntervalMs: 10_000,
    });
    const accepted = sink.writeSpans(Array.from({ length: 250 }, () => makeSpan()));
    const refused = sink.writeSpans(Array.from({ length: 100 }, () => makeSpan()));
    await expect(refused).rejects.toBeInstanceOf(IngestUnavailableError);
    await expect(refused).rejects.toMatchObject({ reason: 'queue_full', retryAfterSec: 2 });
    await writer.close();
    await accepted;
    expect(faults.inserts).toBe(1);
    expect(await count()).toBe(250);
  });

  it('spools while ClickHouse is down, acknowledges, and replays each span exactly once when it returns', async () => {
    const { storage: flaky, faults } = withFaults(storage);
    const { writer, sink, spool } = await newWriter(flaky);
    faults.down = true;
    for (let i = 0; i < 5; i++) await sink.writeSpans(Array.from({ length: 100 }, () => makeSpan()));
    expect(await count()).toBe(0);
    expect(spool.pendingSegments).toBeGreaterThan(0);
    expect(writer.storeReachable).toBe(false);
    faults.down = false;
    await until(async () => spool.isEmpty() && (await count()) === 500);
    await sink.writeSpans([makeSpan()]);
    expect(await count()).toBe(501);
    await writer.close();
  });

  it('stores a batch once when its insert succeeded but the answer was lost', async () => {
    const { storage: flaky, faults } = withFaults(storage);
    const { writer, sink, spool } = await newWriter(flaky);
    faults.loseAnswers = true;
    await sink.writeSpans(Array.from({ length: 10 }, () => makeSpan()));
    faults.loseAnswers = false;
    await until(() => spool.isEmpty());
    expect(await count()).toBe(10);
    await writer.close();
  });

  it('keeps acknowledged batches across a restart and replays them', async () => {
    const { storage: flaky, faults } = withFaults(storage);
    const first = await newWriter(flaky);
    faults.down = true;
    await first.sink.writeSpans(Array.from({ length: 30 }, () => makeSpan()));
    await first.writer.close();
    expect((await readdir(first.spoolDir)).filter((f) => f.endsWith('.seg'))).toHaveLength(1);

    const second = await newWriter(storage, first.spoolDir);
    await until(async () => second.spool.isEmpty() && (await count()) === 30);
    await second.writer.close();
  });

  it('fails the request, without spooling, when ClickHouse rejects the batch itself', async () => {
    const { writer, sink, spool } = await newWriter(storage);
    const bad = { ...makeSpan(), Duration: 'twelve' as unknown as number };
    await expect(sink.writeSpans([bad])).rejects.toBeInstanceOf(StorageRejectedError);
    expect(spool.isEmpty()).toBe(true);
    await sink.writeSpans([makeSpan()]);
    expect(await count()).toBe(1);
    await writer.close();
  });

  it('refuses new writes once closed', async () => {
    const { writer, sink } = await newWriter(storage);
    await writer.close();
    await expect(sink.writeSpans([makeSpan()])).rejects.toMatchObject({ reason: 'shutting_down' });
  });
});
