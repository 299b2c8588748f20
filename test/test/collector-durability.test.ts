import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorageClient, storageConfigSchema, type StorageClient } from '@meshscope/collector';
import { SpanKind } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeExit,
  postRaw,
  startClickHouseHttpShim,
  startCollectorProcess,
  type ClickHouseHttpShim,
  type CollectorProcess,
} from '../src/index.js';

/**
 * "A 200 means the data is in ClickHouse or in the on-disk spool: nothing acknowledged is lost, across
 * restarts too." The collector runs as users run it, `meshscope collector` in its own process, in server
 * mode against a ClickHouse HTTP interface (the shim, running the real engine in this process). The store
 * goes away by closing the shim (its port then refuses connections) and comes back as a new shim on the
 * same port over the same data.
 */
const SPANS_PER_BATCH = 20;
const WAIT_MS = 90_000;

let dir: string;
let shim: ClickHouseHttpShim | undefined;
let shimPort: number;
const children: CollectorProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshscope-durability-'));
  shim = await startClickHouseHttpShim({ dataDir: join(dir, 'chdb'), host: '127.0.0.1' });
  shimPort = shim.port;
});

afterAll(async () => {
  await Promise.all(children.map((c) => c.stop('SIGKILL')));
  await shim?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const storeUrl = () => `http://127.0.0.1:${shimPort}`;

async function storeDown(): Promise<void> {
  await shim?.close();
  shim = undefined;
}

/** The store back on its port; a port briefly held elsewhere is retried, for at most 15 s. */
async function storeUp(): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      shim = await startClickHouseHttpShim({ dataDir: join(dir, 'chdb'), host: '127.0.0.1', port: shimPort });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function startCollector(name: string, spoolDir: string): Promise<CollectorProcess> {
  const child = await startCollectorProcess([
    '--clickhouse-url',
    storeUrl(),
    '--data-dir',
    join(dir, name),
    '--spool-dir',
    spoolDir,
    '--otlp-http-port',
    '0',
    '--otlp-grpc-port',
    '0',
    '--batch-flush-ms',
    '20',
    '--log-level',
    'info',
  ]);
  children.push(child);
  return child;
}

interface Batches {
  bodies: Buffer[];
  spanIds: string[];
}

/** `count` OTLP/protobuf requests of SPANS_PER_BATCH SDK spans each, serialised by the SDK. */
async function spanBatches(service: string, count: number): Promise<Batches> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const tracer = provider.getTracer('durability');
  for (let i = 0; i < count * SPANS_PER_BATCH; i++) {
    tracer.startSpan(`op ${i % 7}`, { kind: SpanKind.SERVER, attributes: { seq: i } }).end();
  }
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  const bodies: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = ProtobufTraceSerializer.serializeRequest(
      spans.slice(i * SPANS_PER_BATCH, (i + 1) * SPANS_PER_BATCH),
    );
    if (!bytes) throw new Error('the SDK serialiser produced nothing');
    bodies.push(Buffer.from(bytes));
  }
  return { bodies, spanIds: spans.map((s) => s.spanContext().spanId) };
}

/** Sends each request and requires it acknowledged (200, nothing rejected). */
async function sendAcknowledged(collector: CollectorProcess, batches: Batches): Promise<void> {
  for (const body of batches.bodies) {
    const res = await postRaw(
      `${collector.httpUrl}/v1/traces`,
      { 'content-type': 'application/x-protobuf' },
      body,
    );
    expect(res.status, collector.output()).toBe(200);
    expect(ProtobufTraceSerializer.deserializeResponse(res.body)).toEqual({});
  }
}

async function spoolSegments(spoolDir: string): Promise<number> {
  return (await readdir(spoolDir)).filter((name) => name.endsWith('.seg')).length;
}

interface Stored {
  total: number;
  distinct: number;
  ids: string[];
}

async function storedSpans(client: StorageClient, service: string): Promise<Stored> {
  const rs = await client.client.query({
    query: `SELECT count() AS total, uniqExact(SpanId) AS distinct, groupArray(SpanId) AS ids
            FROM ${client.table('otel_traces')} WHERE ServiceName = {service:String}`,
    query_params: { service },
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  const [row] = await rs.json<Stored>();
  return row ?? { total: 0, distinct: 0, ids: [] };
}

/**
 * Waits until the spool is drained and `expected` spans of `service` are stored (bounded by WAIT_MS), then
 * returns what otel_traces holds: once the spool is empty nothing more can arrive, so the count is final.
 */
async function settled(service: string, spoolDir: string, expected: number, collector: CollectorProcess) {
  const client = await createStorageClient(storageConfigSchema.parse({ url: storeUrl() }));
  try {
    const deadline = Date.now() + WAIT_MS;
    let stored = await storedSpans(client, service);
    while ((stored.total < expected || (await spoolSegments(spoolDir)) > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      stored = await storedSpans(client, service);
    }
    expect(await spoolSegments(spoolDir), `spool not drained:\n${collector.output()}`).toBe(0);
    return stored;
  } finally {
    await client.close();
  }
}

function expectExactlyOnce(stored: Stored, sent: string[]): void {
  expect({ total: stored.total, distinct: stored.distinct }).toEqual({
    total: sent.length,
    distinct: sent.length,
  });
  expect(new Set(stored.ids)).toEqual(new Set(sent));
}

describe('collector durability: store unavailable, collector killed', () => {
  it(
    'stores every span acknowledged while the store refused connections exactly once when it returns',
    async () => {
      if (!shim) await storeUp();
      const spoolDir = join(dir, 'outage', 'spool');
      const collector = await startCollector('outage', spoolDir);
      const before = await spanBatches('outage', 3);
      const during = await spanBatches('outage', 10);
      const after = await spanBatches('outage', 3);

      await sendAcknowledged(collector, before);
      await storeDown();
      await sendAcknowledged(collector, during);
      // The scenario really happened: acknowledged batches are waiting on disk, not in ClickHouse.
      expect(await spoolSegments(spoolDir)).toBeGreaterThan(0);

      await storeUp();
      await sendAcknowledged(collector, after);
      const sent = [...before.spanIds, ...during.spanIds, ...after.spanIds];
      expectExactlyOnce(await settled('outage', spoolDir, sent.length, collector), sent);

      // A graceful stop after all this is still a clean exit.
      expect(describeExit(await collector.stop('SIGTERM'))).toBe('code 0');
    },
    WAIT_MS + 60_000,
  );

  it(
    'replays a non-empty spool left by a collector killed with SIGKILL: nothing lost, nothing twice',
    async () => {
      if (!shim) await storeUp();
      const spoolDir = join(dir, 'killed', 'spool');
      const first = await startCollector('killed', spoolDir);
      const batches = await spanBatches('killed', 10);

      await storeDown();
      await sendAcknowledged(first, batches);
      const spooled = await spoolSegments(spoolDir);
      expect(spooled).toBeGreaterThan(0);
      expect(describeExit(await first.stop('SIGKILL'))).toBe('signal SIGKILL');
      // Nothing drained the spool in between.
      expect(await spoolSegments(spoolDir)).toBe(spooled);

      await storeUp();
      const second = await startCollector('killed', spoolDir);
      expectExactlyOnce(await settled('killed', spoolDir, batches.spanIds.length, second), batches.spanIds);
      expect(second.output()).toContain('spool holds batches from before: replaying');
      await second.stop('SIGTERM');
    },
    WAIT_MS + 60_000,
  );
});
