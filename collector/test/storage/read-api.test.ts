import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageSink } from '../../src/ingest/storage-sink.js';
import type { StorageClient } from '../../src/storage/client.js';
import { ReadApi } from '../../src/storage/read/read-api.js';
import type { SpanRow } from '../../src/storage/rows.js';
import type { BatchingWriter } from '../../src/writer/batching-writer.js';
import { hex, makeRequestHistogram, makeSpan } from '../helpers/rows.js';
import { openTestStorage, openTestWriter } from '../helpers/storage.js';

let storage: StorageClient;
let cleanup: () => Promise<void>;
let read: ReadApi;
let writer: BatchingWriter;

const nowSec = Math.floor(Date.now() / 1000);
const baseMinute = Math.floor(nowSec / 60) * 60 - 600; // ten minutes ago, minute-aligned
const ns = (sec: number) => BigInt(sec) * 1_000_000_000n;

const traceA = hex(16);
const traceB = hex(16);
const rootA = makeSpan(
  {
    TraceId: traceA,
    ServiceName: 'frontend',
    SpanName: 'GET /',
    Duration: 50_000_000,
    SpanAttributes: { 'http.response.status_code': '200', 'user.id': "o'brien" },
  },
  ns(baseMinute + 5),
);
const childA = makeSpan(
  {
    TraceId: traceA,
    ParentSpanId: rootA.SpanId,
    ServiceName: 'reviews',
    SpanName: 'GET /reviews',
    SpanKind: 'Client',
    Duration: 20_000_000,
    StatusCode: 'Error',
    SpanAttributes: { 'http.response.status_code': '503', weird: "{p0:String}'; DROP TABLE otel_traces --" },
  },
  ns(baseMinute + 5) + 1_000_000n,
);
const rootB = makeSpan(
  {
    TraceId: traceB,
    ServiceName: 'frontend',
    SpanName: 'GET /',
    Duration: 900_000_000,
    ResourceAttributes: { 'service.name': 'frontend', 'deployment.environment': 'prod' },
  },
  ns(baseMinute + 65),
);

beforeAll(async () => {
  let dir: string;
  let config;
  ({ storage, cleanup, dir, config } = await openTestStorage());
  ({ writer } = await openTestWriter(storage, dir));
  const sink = new StorageSink(writer);
  await sink.writeSpans([rootA, childA, rootB]);
  const edge = {
    reporter: 'destination',
    source_app: 'frontend',
    destination_service_name: 'reviews',
    response_code: '200',
    connection_security_policy: 'mutual_tls',
  };
  await sink.writeMetrics({
    sums: [],
    gauges: [],
    histograms: [
      makeRequestHistogram(
        { ...edge, source_version: 'v1', destination_version: 'v1' },
        [10],
        0.02,
        ns(baseMinute + 10),
      ),
      makeRequestHistogram(
        { ...edge, source_version: 'v1', destination_version: 'v2' },
        [0, 5],
        0.04,
        ns(baseMinute + 70),
      ),
      makeRequestHistogram(
        { ...edge, destination_version: 'v2', response_code: '500', connection_security_policy: 'none' },
        [0, 5],
        0.04,
        ns(baseMinute + 70),
      ),
    ],
  });
  read = new ReadApi(storage, config.queryLimits);
});
afterAll(async () => {
  await writer.close();
  await cleanup();
});

const sortSpans = (spans: SpanRow[]) => [...spans].sort((a, b) => a.SpanId.localeCompare(b.SpanId));

describe('ReadApi', () => {
  it('returns a whole trace by id, exactly as written', async () => {
    expect(sortSpans(await read.trace(traceA))).toEqual(sortSpans([rootA, childA]));
  });

  it('returns nothing for an unknown trace id', async () => {
    expect(await read.trace(hex(16))).toEqual([]);
  });

  it('fetches several traces at once', async () => {
    const spans = await read.traces([traceA, traceB]);
    expect(new Set(spans.map((s) => s.TraceId))).toEqual(new Set([traceA, traceB]));
    expect(spans).toHaveLength(3);
  });

  it('lists services and operations from the catalog', async () => {
    expect(await read.services()).toEqual(['frontend', 'reviews']);
    expect(await read.operations('reviews')).toEqual([{ name: 'GET /reviews', spanKind: 'Client' }]);
    expect(await read.operations('reviews', 'Server')).toEqual([]);
  });

  it('searches traces where one span meets every condition, newest first', async () => {
    const window = { startSec: baseMinute, endSec: nowSec + 1, limit: 20 };
    expect((await read.searchTraces({ ...window, service: 'frontend' })).map((h) => h.traceId)).toEqual([
      traceB,
      traceA,
    ]);
    expect(
      (await read.searchTraces({ ...window, minDurationNs: 100_000_000 })).map((h) => h.traceId),
    ).toEqual([traceB]);
    expect((await read.searchTraces({ ...window, errorOnly: true })).map((h) => h.traceId)).toEqual([traceA]);
    expect(
      (
        await read.searchTraces({ ...window, attributes: [{ key: 'deployment.environment', value: 'prod' }] })
      ).map((h) => h.traceId),
    ).toEqual([traceB]);
    // Conditions must hold on ONE span: frontend never returned 503 itself.
    expect(
      await read.searchTraces({
        ...window,
        service: 'frontend',
        attributes: [{ key: 'http.response.status_code', value: '503' }],
      }),
    ).toEqual([]);
    expect(await read.searchTraces({ ...window, limit: 1 })).toHaveLength(1);
  });

  it('treats quotes, placeholders and SQL in parameters as plain text', async () => {
    const window = { startSec: baseMinute, endSec: nowSec + 1, limit: 20 };
    expect(
      (await read.searchTraces({ ...window, attributes: [{ key: 'user.id', value: "o'brien" }] })).map(
        (h) => h.traceId,
      ),
    ).toEqual([traceA]);
    expect(
      (
        await read.searchTraces({
          ...window,
          attributes: [{ key: 'weird', value: "{p0:String}'; DROP TABLE otel_traces --" }],
        })
      ).map((h) => h.traceId),
    ).toEqual([traceA]);
    expect(await read.searchTraces({ ...window, service: "frontend' OR '1'='1" })).toEqual([]);
    expect(await read.services()).toHaveLength(2);
  });

  it('aggregates RED per service over a window and per minute step', async () => {
    const whole = await read.red({ startSec: baseMinute, endSec: baseMinute + 120, groupBy: ['service'] });
    const frontend = whole.find((r) => r.service === 'frontend');
    expect(frontend).toMatchObject({ requests: 2, errors: 0, timeSec: baseMinute });
    expect(whole.find((r) => r.service === 'reviews')).toMatchObject({ requests: 1, errors: 1, http5xx: 1 });
    const series = await read.red({
      startSec: baseMinute,
      endSec: baseMinute + 120,
      stepSec: 60,
      groupBy: ['service'],
      services: ['frontend'],
    });
    expect(series.map((r) => [r.timeSec, r.requests])).toEqual([
      [baseMinute, 1],
      [baseMinute + 60, 1],
    ]);
    expect(series[1]?.quantilesMs[3]).toBeCloseTo(900, -1);
    // counts only: the same numbers without merging latency digests
    const counts = await read.red({
      startSec: baseMinute,
      endSec: baseMinute + 120,
      groupBy: ['service'],
      latency: false,
    });
    expect(counts.map(({ service, requests, errors }) => ({ service, requests, errors }))).toEqual(
      whole.map(({ service, requests, errors }) => ({ service, requests, errors })),
    );
    expect(counts.every((r) => r.quantilesMs.length === 0)).toBe(true);
  });

  it('aggregates edges per service pair, or per version with detail, with mTLS share', async () => {
    const edges = await read.edges({ startSec: baseMinute, endSec: baseMinute + 120 });
    expect(edges).toHaveLength(1);
    expect(edges[0]).toMatchObject({
      sourceService: 'frontend',
      destService: 'reviews',
      requests: 20,
      mtlsRequests: 15,
      http5xx: 5,
    });
    const detailed = await read.edges({ startSec: baseMinute, endSec: baseMinute + 120, detail: true });
    expect(detailed.map((e) => [e.sourceVersion, e.destVersion, e.requests]).sort()).toEqual([
      ['unknown', 'v2', 5],
      ['v1', 'v1', 10],
      ['v1', 'v2', 5],
    ]);
  });

  it('refuses an empty window', async () => {
    await expect(read.red({ startSec: 100, endSec: 100, groupBy: [] })).rejects.toThrow(
      /window end must be after its start/,
    );
  });
});
