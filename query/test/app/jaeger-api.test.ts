import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildApp } from '../../src/app.js';
import {
  jaegerDependencyLinkSchema,
  jaegerEnvelopeSchema,
  jaegerMetricFamilySchema,
  jaegerOperationSchema,
  jaegerTraceSchema,
  type JaegerSpan,
  type JaegerTrace,
} from '../../src/jaeger/model.js';
import {
  apiV3ErrorSchema,
  apiV3OperationsResponseSchema,
  apiV3ServicesResponseSchema,
  apiV3TracesResponseSchema,
} from '../../src/jaeger/otlp-json.js';
import { openTestStorage, type TestStorage } from '../helpers/storage.js';
import { ordersDurationMs, SDK_FAILED, SDK_TRACES, seedWorld, type SeededWorld } from '../helpers/world.js';

let db: TestStorage;
let app: FastifyInstance;
let world: SeededWorld;

const baseSec = Math.floor(Date.now() / 60_000) * 60 - 1200;
const nowMs = (baseSec + 900) * 1000;

beforeAll(async () => {
  db = await openTestStorage();
  world = await seedWorld(db.sink, db.storage, baseSec);
  app = await buildApp({ storage: db.storage, queryLimits: db.config.queryLimits, now: () => nowMs });
});
afterAll(async () => {
  await app?.close();
  await db?.cleanup();
});

const tracesEnvelope = jaegerEnvelopeSchema(z.array(jaegerTraceSchema));
const range = () => `start=${world.window.startSec * 1e6}&end=${world.window.endSec * 1e6}`;

async function get(url: string): Promise<{ status: number; body: unknown }> {
  const res = await app.inject({ method: 'GET', url });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return { status: res.statusCode, body: res.json() };
}

async function traces(url: string): Promise<JaegerTrace[]> {
  const { status, body } = await get(url);
  expect(status, JSON.stringify(body)).toBe(200);
  const envelope = tracesEnvelope.parse(body);
  expect(envelope).toMatchObject({ total: 0, limit: 0, offset: 0, errors: null });
  return envelope.data ?? [];
}

const spanNamed = (t: JaegerTrace, service: string, name: string): JaegerSpan | undefined =>
  t.spans.find((s) => s.operationName === name && t.processes[s.processID]?.serviceName === service);

describe('services and operations', () => {
  it('lists services with stored spans in the envelope, total filled', async () => {
    const { body } = await get('/api/services');
    expect(jaegerEnvelopeSchema(z.array(z.string())).parse(body)).toEqual({
      data: ['orders', 'web'],
      total: 2,
      limit: 0,
      offset: 0,
      errors: null,
    });
  });

  it('lists operations in both forms', async () => {
    const legacy = jaegerEnvelopeSchema(z.array(z.string())).parse(
      (await get('/api/services/orders/operations')).body,
    );
    expect(legacy.data).toEqual(['GET /orders/{id}', 'SELECT ordersdb.orders']);
    const { body } = await get('/api/operations?service=orders&spanKind=server');
    expect(jaegerEnvelopeSchema(z.array(jaegerOperationSchema)).parse(body)).toMatchObject({
      data: [{ name: 'GET /orders/{id}', spanKind: 'server' }],
      total: 1,
    });
    const all = jaegerEnvelopeSchema(z.array(jaegerOperationSchema)).parse(
      (await get('/api/operations?service=orders')).body,
    );
    expect(all.data).toEqual([
      { name: 'GET /orders/{id}', spanKind: 'server' },
      { name: 'SELECT ordersdb.orders', spanKind: 'client' },
    ]);
  });

  it('requires the service of /api/operations, in an envelope error', async () => {
    const { status, body } = await get('/api/operations');
    expect(status).toBe(400);
    expect(body).toEqual({
      data: null,
      total: 0,
      limit: 0,
      offset: 0,
      errors: [{ code: 400, msg: "invalid parameter 'service': parameter 'service' is required" }],
    });
  });
});

describe('GET /api/traces (search)', () => {
  it('returns whole traces whose one span meets every condition, in Jaeger v1 JSON', async () => {
    const tags = encodeURIComponent(JSON.stringify({ 'http.response.status_code': '500' }));
    const found = await traces(`/api/traces?service=orders&tags=${tags}&limit=100&${range()}`);
    expect(found.map((t) => t.traceID).sort()).toEqual(world.sdkTraceIds.slice(0, SDK_FAILED).sort());
    const t = found[0];
    if (!t) throw new Error('no trace');
    // whole trace: the web spans too, though only the orders span matched
    expect(t.spans).toHaveLength(4);
    expect(
      Object.values(t.processes)
        .map((p) => p.serviceName)
        .sort(),
    ).toEqual(['orders', 'web']);
    expect(Object.keys(t.processes)).toEqual(['p1', 'p2']);
    const root = spanNamed(t, 'web', 'GET /home');
    const client = t.spans.find(
      (s) =>
        s.tags.some((g) => g.key === 'span.kind' && g.value === 'client') &&
        t.processes[s.processID]?.serviceName === 'web',
    );
    const server = spanNamed(t, 'orders', 'GET /orders/{id}');
    expect(root?.references).toEqual([]);
    expect(client?.references).toEqual([{ refType: 'CHILD_OF', traceID: t.traceID, spanID: root?.spanID }]);
    expect(server?.references).toEqual([{ refType: 'CHILD_OF', traceID: t.traceID, spanID: client?.spanID }]);
    expect(server?.tags).toEqual(
      expect.arrayContaining([
        { key: 'http.response.status_code', type: 'int64', value: 500 },
        { key: 'span.kind', type: 'string', value: 'server' },
        { key: 'otel.status_code', type: 'string', value: 'ERROR' },
        { key: 'error', type: 'bool', value: true },
        { key: 'otel.scope.name', type: 'string', value: 'meshscope-query-test' },
      ]),
    );
    expect(Number.isInteger(server?.startTime)).toBe(true);
    expect(server?.duration).toBe(Math.trunc(ordersDurationMs(world.sdkTraceIds.indexOf(t.traceID)) * 1000));
    expect(t.processes[server?.processID ?? '']?.tags).toEqual(
      expect.arrayContaining([{ key: 'k8s.namespace.name', type: 'string', value: 'legacy' }]),
    );
  });

  it('matches all conditions on one span, never across spans', async () => {
    // user.id is on orders spans, the route /home on web spans: no single span has both
    const tags = encodeURIComponent(JSON.stringify({ 'user.id': 'user-1', 'http.route': '/home' }));
    expect(await traces(`/api/traces?service=web&tags=${tags}&${range()}`)).toEqual([]);
    const one = encodeURIComponent(JSON.stringify({ 'user.id': 'user-1', 'http.route': '/orders/{id}' }));
    expect(await traces(`/api/traces?service=orders&tags=${one}&limit=1000&${range()}`)).toHaveLength(100);
  });

  it('reads tag=key:value, error=true, durations and the limit', async () => {
    const errors = await traces(`/api/traces?service=orders&tag=error:true&limit=1000&${range()}`);
    expect(errors).toHaveLength(SDK_FAILED);
    const slow = await traces(`/api/traces?service=orders&minDuration=199.7ms&${range()}`);
    expect(slow.map((t) => t.traceID)).toEqual([world.slowestTraceId, world.sdkTraceIds[SDK_TRACES - 2]]);
    const fast = await traces(
      `/api/traces?service=orders&operation=GET%20%2Forders%2F%7Bid%7D&maxDuration=0.5ms&${range()}`,
    );
    expect(fast).toHaveLength(2);
    expect(await traces(`/api/traces?service=orders&limit=7&${range()}`)).toHaveLength(7);
  });

  it('fetches several traces by id, reporting the unknown ones', async () => {
    const unknown = 'ab'.repeat(16);
    const [a, b] = world.sdkTraceIds;
    const { status, body } = await get(
      `/api/traces?traceID=${a}&traceID=${unknown}&traceID=${b?.toUpperCase()}`,
    );
    expect(status).toBe(200);
    const envelope = tracesEnvelope.parse(body);
    expect(envelope.data?.map((t) => t.traceID)).toEqual([a, b]);
    expect(envelope.errors).toEqual([{ msg: 'trace not found', traceID: unknown }]);
  });

  it('names the parameter of a bad request', async () => {
    for (const [query, param] of [
      ['limit=5', 'service'],
      ['service=orders&limit=0', 'limit'],
      ['service=orders&minDuration=5parsecs', 'minDuration'],
      ['service=orders&minDuration=2s&maxDuration=1s', 'maxDuration'],
      ['service=orders&tags=%7Bnot-json', 'tags'],
      ['service=orders&tag=novalue', 'tag'],
      ['service=orders&start=yesterday', 'start'],
      ['traceID=xyz', 'traceID'],
    ] as const) {
      const { status, body } = await get(`/api/traces?${query}`);
      expect(status, query).toBe(400);
      const parsed = jaegerEnvelopeSchema(z.never()).parse(body);
      expect(parsed.errors?.[0]?.code).toBe(400);
      expect(parsed.errors?.[0]?.msg).toContain(`'${param}'`);
    }
  });
});

describe('GET /api/traces/{traceID}', () => {
  it('returns the trace as an array of one', async () => {
    const [trace] = await traces(`/api/traces/${world.slowestTraceId}`);
    expect(trace?.traceID).toBe(world.slowestTraceId);
    expect(trace?.spans).toHaveLength(4);
    expect(trace?.warnings).toBeNull();
    // leading zeros may be left out, as Jaeger allows
    const short = world.slowestTraceId.replace(/^0+/, '');
    expect((await traces(`/api/traces/${short}`))[0]?.traceID).toBe(world.slowestTraceId);
  });

  it('keeps only the spans starting inside start/end when given (µs), 404 when none do', async () => {
    const [whole] = await traces(`/api/traces/${world.slowestTraceId}`);
    const starts = (whole?.spans ?? []).map((s) => s.startTime).sort((a, b) => a - b);
    const first = starts[0] ?? 0;
    const last = starts[starts.length - 1] ?? 0;
    expect(last).toBeGreaterThan(first);
    const [tail] = await traces(`/api/traces/${world.slowestTraceId}?start=${first + 1}&end=${last}`);
    expect(tail?.spans.map((s) => s.startTime).sort((a, b) => a - b)).toEqual(
      starts.filter((t) => t > first),
    );
    const [all] = await traces(`/api/traces/${world.slowestTraceId}?start=${first}&end=${last}`);
    expect(all?.spans).toHaveLength(starts.length);
    expect((await get(`/api/traces/${world.slowestTraceId}?end=${first - 1}`)).status).toBe(404);
    const backwards = await get(`/api/traces/${world.slowestTraceId}?start=${last}&end=${first}`);
    expect(backwards.status).toBe(400);
    expect(JSON.stringify(backwards.body)).toContain("'start'");
  });

  it('answers 404 in the envelope for an unknown trace and 400 for a malformed id', async () => {
    expect(await get(`/api/traces/${'cd'.repeat(16)}`)).toEqual({
      status: 404,
      body: { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 404, msg: 'trace not found' }] },
    });
    const bad = await get('/api/traces/zz-not-hex');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("'traceID'");
  });
});

describe('GET /api/dependencies', () => {
  it('lists caller → callee call counts from the edge rollups, each request once', async () => {
    const { body } = await get(`/api/dependencies?endTs=${nowMs}&lookback=${3600_000}`);
    const links = jaegerEnvelopeSchema(z.array(jaegerDependencyLinkSchema)).parse(body).data ?? [];
    expect(links.map((l) => [l.parent, l.child, l.callCount]).sort()).toEqual(
      [
        ['frontend', 'reviews', 1000],
        ['orders', 'ordersdb', SDK_TRACES],
        ['reviews', 'payments-api', 50],
        ['reviews', 'ratings', 200],
        ['web', 'orders', SDK_TRACES],
      ].sort(),
    );
    const around = jaegerEnvelopeSchema(z.array(jaegerDependencyLinkSchema)).parse(
      (await get(`/api/dependencies?endTs=${nowMs}&lookback=3600000&service=ratings`)).body,
    );
    expect(around.data).toEqual([{ parent: 'reviews', child: 'ratings', callCount: 200 }]);
  });

  it('names a bad parameter', async () => {
    const { status, body } = await get('/api/dependencies?endTs=soon');
    expect(status).toBe(400);
    expect(JSON.stringify(body)).toContain("'endTs'");
  });
});

describe('GET /api/metrics/* (Jaeger SPM)', () => {
  // At this step the trailing 10-minute window holds every orders span.
  const endTs = (baseSec + 120 + 600) * 1000;
  const common = `service=orders&endTs=${endTs}&lookback=600000&step=60000&ratePer=600000`;

  it('gives call rates as a MetricFamily, not enveloped', async () => {
    const { status, body } = await get(`/api/metrics/calls?${common}`);
    expect(status).toBe(200);
    const family = jaegerMetricFamilySchema.parse(body);
    expect(family).toMatchObject({
      name: 'service_call_rate',
      type: 'GAUGE',
      help: 'calls/sec, grouped by service',
    });
    expect(family.metrics).toHaveLength(1);
    expect(family.metrics[0]?.labels).toEqual([{ name: 'service_name', value: 'orders' }]);
    const points = family.metrics[0]?.metricPoints ?? [];
    expect(points).toHaveLength(11);
    expect(points.at(-1)?.timestamp).toBe(new Date(endTs).toISOString().replace('.000Z', 'Z'));
    expect(points.at(-1)?.gaugeValue.doubleValue).toBeCloseTo(SDK_TRACES / 600, 10);
    expect(points[0]?.gaugeValue.doubleValue).toBe(0);
  });

  it('gives error rates and latency quantiles from the same rollups', async () => {
    const errors = jaegerMetricFamilySchema.parse((await get(`/api/metrics/errors?${common}`)).body);
    expect(errors.name).toBe('service_error_rate');
    expect(errors.metrics[0]?.metricPoints.at(-1)?.gaugeValue.doubleValue).toBeCloseTo(
      SDK_FAILED / SDK_TRACES,
      12,
    );
    const latencies = jaegerMetricFamilySchema.parse(
      (await get(`/api/metrics/latencies?${common}&quantile=0.99`)).body,
    );
    expect(latencies.help).toBe('0.99th quantile latency, grouped by service');
    // 0.2 … 200 ms uniform on the fixed buckets: half ≤ 100 ms, all ≤ 250 ms → interpolated p99 ≈ 247 ms
    const p99 = Number(latencies.metrics[0]?.metricPoints.at(-1)?.gaugeValue.doubleValue);
    expect(p99).toBeGreaterThan(240);
    expect(p99).toBeLessThanOrEqual(250);
  });

  it('groups by operation when asked, with the operation label Jaeger UI reads', async () => {
    const family = jaegerMetricFamilySchema.parse(
      (await get(`/api/metrics/calls?${common}&groupByOperation=true&spanKind=server&spanKind=client`)).body,
    );
    expect(family.name).toBe('service_operation_call_rate');
    expect(family.metrics.map((m) => m.labels)).toEqual([
      [
        { name: 'service_name', value: 'orders' },
        { name: 'operation', value: 'GET /orders/{id}' },
      ],
      [
        { name: 'service_name', value: 'orders' },
        { name: 'operation', value: 'SELECT ordersdb.orders' },
      ],
    ]);
  });

  it('names missing and bad parameters in an envelope error', async () => {
    for (const [url, param] of [
      [`/api/metrics/latencies?${common}`, 'quantile'],
      ['/api/metrics/calls', 'service'],
      [`/api/metrics/calls?${common}&spanKind=sideways`, 'spanKind'],
      [`/api/metrics/calls?service=orders&step=1&lookback=86400000`, 'step'],
    ] as const) {
      const { status, body } = await get(url);
      expect(status, url).toBe(400);
      expect(jaegerEnvelopeSchema(z.never()).parse(body).errors?.[0]?.msg).toContain(`'${param}'`);
    }
  });
});

describe('api_v3', () => {
  const times = () =>
    `query.start_time_min=${new Date(world.window.startSec * 1000).toISOString()}&query.start_time_max=${new Date(
      world.window.endSec * 1000,
    ).toISOString()}`;

  it('lists services and operations', async () => {
    expect(apiV3ServicesResponseSchema.parse((await get('/api/v3/services')).body)).toEqual({
      services: ['orders', 'web'],
    });
    expect(
      apiV3OperationsResponseSchema.parse(
        (await get('/api/v3/operations?service=orders&span_kind=client')).body,
      ),
    ).toEqual({
      operations: [{ name: 'SELECT ordersdb.orders', spanKind: 'client' }],
    });
  });

  it('finds traces and returns OTLP JSON', async () => {
    const { status, body } = await get(
      `/api/v3/traces?query.service_name=orders&${times()}&query.search_depth=3`,
    );
    expect(status).toBe(200);
    const parsed = apiV3TracesResponseSchema.parse(body);
    const spans = parsed.result.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(3);
    expect(spans).toHaveLength(12);
    const server = spans.find((s) => s.kind === 2 && s.name === 'GET /orders/{id}');
    expect(server?.attributes).toEqual(
      expect.arrayContaining([{ key: 'http.route', value: { stringValue: '/orders/{id}' } }]),
    );
  });

  it('fetches one trace, 404 for an unknown one, 400 without the required times', async () => {
    const one = apiV3TracesResponseSchema.parse((await get(`/api/v3/traces/${world.failedTraceId}`)).body);
    const spans = one.result.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    expect(spans.find((s) => s.status.code === 2)?.name).toBe('GET /orders/{id}');
    expect(await get(`/api/v3/traces/${'ef'.repeat(16)}`)).toEqual({
      status: 404,
      body: { error: { httpCode: 404, message: 'No traces found' } },
    });
    // start_time/end_time bound the spans as in Jaeger's GetTraceParams
    const firstNs = spans.map((s) => BigInt(s.startTimeUnixNano)).reduce((a, b) => (a < b ? a : b));
    const rfc3339 = (ns: bigint) =>
      `${new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 19)}.${String(ns % 1_000_000_000n).padStart(9, '0')}Z`;
    const bounded = await get(
      `/api/v3/traces/${world.failedTraceId}?start_time=${rfc3339(firstNs)}&end_time=${rfc3339(firstNs + 3_600_000_000_000n)}`,
    );
    expect(bounded.status).toBe(200);
    const before = await get(`/api/v3/traces/${world.failedTraceId}?end_time=${rfc3339(firstNs - 1n)}`);
    expect(before.status).toBe(404);
    const missing = await get('/api/v3/traces?query.service_name=orders');
    expect(missing.status).toBe(400);
    expect(apiV3ErrorSchema.parse(missing.body).error.message).toContain('query.start_time_min');
  });
});
