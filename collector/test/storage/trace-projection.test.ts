import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageSink } from '../../src/ingest/storage-sink.js';
import type { StorageClient } from '../../src/storage/client.js';
import { ReadApi } from '../../src/storage/read/read-api.js';
import type { SpanRow } from '../../src/storage/rows.js';
import { TRACE_ID_PROJECTION } from '../../src/storage/schema/projections.js';
import type { BatchingWriter } from '../../src/writer/batching-writer.js';
import { hex, makeSpan } from '../helpers/rows.js';
import { openTestStorage, openTestWriter } from '../helpers/storage.js';

let storage: StorageClient;
let cleanup: () => Promise<void>;
let writer: BatchingWriter;
let read: ReadApi;

const minute = Math.floor(Date.now() / 60_000) * 60 - 600;
const ns = (sec: number) => BigInt(sec) * 1_000_000_000n;

/**
 * 3,000 traces × 20 services: 60,000 spans, several granules of the table, each trace spread over many of
 * them by the service-first order (the case the projection is for).
 */
const traceIds = Array.from({ length: 3000 }, () => hex(16));
const spans: SpanRow[] = traceIds.flatMap((traceId, t) =>
  Array.from({ length: 20 }, (_, s) =>
    makeSpan(
      {
        TraceId: traceId,
        ServiceName: `svc-${s}`,
        SpanName: `op-${s % 3}`,
        ResourceAttributes: { 'service.name': `svc-${s}` },
      },
      ns(minute + (t % 300)),
    ),
  ),
);

beforeAll(async () => {
  let dir: string;
  let config;
  ({ storage, cleanup, dir, config } = await openTestStorage());
  ({ writer } = await openTestWriter(storage, dir, { maxBatchRows: 100_000 }));
  await new StorageSink(writer).writeSpans(spans);
  // One part, as the background merges would leave it: whether the planner picks the projection depends on
  // the marks each side reads, and many tiny parts (a loaded machine flushing early) read one mark either way.
  await storage.client.command({ query: `OPTIMIZE TABLE ${storage.table('otel_traces')} FINAL` });
  read = new ReadApi(storage, config.queryLimits);
});
afterAll(async () => {
  await writer.close();
  await cleanup();
});

describe('the TraceId projection of otel_traces', () => {
  it('exists on the table after migration', async () => {
    const rs = await storage.client.query({
      query: `SELECT name FROM system.projections WHERE database = {db:String} AND table = 'otel_traces'`,
      query_params: { db: storage.database },
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([{ name: TRACE_ID_PROJECTION }]);
  });

  it('serves trace fetches by id, with the same rows', async () => {
    const rs = await storage.client.query({
      query: `EXPLAIN indexes = 1 SELECT * FROM ${storage.table('otel_traces')} WHERE TraceId IN {ids:Array(String)}`,
      query_params: { ids: [traceIds[3]] },
      format: 'TabSeparatedRaw',
    });
    expect(await rs.text()).toContain(`ReadFromMergeTree (${TRACE_ID_PROJECTION})`);
    const fetched = await read.trace(traceIds[3] ?? '');
    expect(fetched).toHaveLength(20);
    const byId = (a: SpanRow, b: SpanRow) => a.SpanId.localeCompare(b.SpanId);
    expect([...fetched].sort(byId)).toEqual(spans.filter((s) => s.TraceId === traceIds[3]).sort(byId));
  });
});
