import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageSink } from '../../src/ingest/storage-sink.js';
import { SpanPairingJob } from '../../src/rollups/span-pairing.js';
import type { StorageClient } from '../../src/storage/client.js';
import { ReadApi } from '../../src/storage/read/read-api.js';
import type { SpanRow } from '../../src/storage/rows.js';
import type { BatchingWriter } from '../../src/writer/batching-writer.js';
import { hex, makeSpan } from '../helpers/rows.js';
import { openTestStorage, openTestWriter } from '../helpers/storage.js';

let storage: StorageClient;
let cleanup: () => Promise<void>;
let writer: BatchingWriter;
let read: ReadApi;
const log = pino({ level: 'silent' });

const minute = Math.floor(Date.now() / 60_000) * 60 - 600;
const at = (offsetMs: number) => (BigInt(minute) * 1000n + BigInt(offsetMs)) * 1_000_000n;
const res = (service: string, extra: Record<string, string> = {}) => ({ 'service.name': service, ...extra });

function span(
  service: string,
  kind: SpanRow['SpanKind'],
  traceId: string,
  parent: string,
  offsetMs: number,
  attrs: Record<string, string> = {},
  resource: Record<string, string> = {},
) {
  return makeSpan(
    {
      TraceId: traceId,
      ParentSpanId: parent,
      ServiceName: service,
      SpanKind: kind,
      ResourceAttributes: res(service, resource),
      SpanAttributes: attrs,
      Duration: 10_000_000,
    },
    at(offsetMs),
  );
}

beforeAll(async () => {
  let dir: string;
  let config;
  ({ storage, cleanup, dir, config } = await openTestStorage());
  ({ writer } = await openTestWriter(storage, dir));
  read = new ReadApi(storage, config.queryLimits);
  const sink = new StorageSink(writer);
  const spans: SpanRow[] = [];
  for (let i = 0; i < 3; i++) {
    // web (root SERVER) → CLIENT → orders SERVER (paired, one 500) → CLIENT to postgres (db virtual node)
    const t = hex(16);
    const root = span('web', 'Server', t, '', 1000 + i);
    const call = span('web', 'Client', t, root.SpanId, 1001 + i, {
      'http.response.status_code': i === 0 ? '500' : '200',
    });
    const served = span('orders', 'Server', t, call.SpanId, 1002 + i);
    const db = span('orders', 'Client', t, served.SpanId, 1003 + i, {
      'db.system': 'postgresql',
      'db.name': 'orders_db',
    });
    spans.push(root, call, served, db);
  }
  // web calls an uninstrumented payment API → virtual node named by peer.service
  const t2 = hex(16);
  spans.push(span('web', 'Client', t2, hex(8), 2000, { 'peer.service': 'payments-api' }));
  // web calls through the mesh: the child is an agent's span → counted from agent metrics, not here
  const t3 = hex(16);
  const viaMesh = span('web', 'Client', t3, hex(8), 3000, { 'server.address': 'reviews' });
  spans.push(viaMesh, span('web', 'Client', t3, viaMesh.SpanId, 3001, {}, { 'meshscope.agent': 'true' }));
  // a client span outside the window is not counted in it
  spans.push(span('web', 'Client', hex(16), hex(8), 61_000, { 'peer.service': 'later' }));
  await sink.writeSpans(spans);
});
afterAll(async () => {
  await writer.close();
  await cleanup();
});

describe('span pairing', () => {
  it('builds direct, database, virtual and user edges for SDK services, and skips mesh-carried calls', async () => {
    const job = new SpanPairingJob(storage, { lagSec: 0, skewSec: 60, intervalMs: 1000, catchUpSec: 0 }, log);
    await job.pairMinute(minute);
    const edges = await read.edges({ startSec: minute, endSec: minute + 60, reporters: ['spans'] });
    const summary = edges
      .map((e) => [e.sourceService, e.destService, e.connectionType, e.requests, e.http5xx])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])) || String(a[1]).localeCompare(String(b[1])));
    expect(summary).toEqual([
      ['orders', 'orders_db', 'database', 3, 0],
      ['user', 'web', 'virtual_node', 3, 0],
      ['web', 'orders', '', 3, 1],
      ['web', 'payments-api', 'virtual_node', 1, 0],
    ]);
  });

  it('stores a minute once when it is paired again (restart, or a second collector)', async () => {
    const job = new SpanPairingJob(storage, { lagSec: 0, skewSec: 60, intervalMs: 1000, catchUpSec: 0 }, log);
    await job.pairMinute(minute);
    await job.pairMinute(minute);
    const edges = await read.edges({ startSec: minute, endSec: minute + 60, reporters: ['spans'] });
    expect(edges.reduce((n, e) => n + e.requests, 0)).toBe(10);
  });

  it('pairs only closed minutes, each once, in order', async () => {
    let now = (minute + 60 + 5) * 1000;
    const job = new SpanPairingJob(
      storage,
      { lagSec: 10, skewSec: 60, intervalMs: 1000, catchUpSec: 65 },
      log,
      () => now,
    );
    expect(await job.runDue()).toBe(0); // minute + 60 has not closed + lag yet
    now += 6000;
    expect(await job.runDue()).toBe(1);
    expect(await job.runDue()).toBe(0);
  });
});
