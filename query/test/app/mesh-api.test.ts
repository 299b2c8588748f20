import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { latencyAttributionResponseSchema } from '../../src/api/attribution.js';
import {
  edgeSeriesResponseSchema,
  operationsResponseSchema,
  serviceEdgesResponseSchema,
  servicesResponseSchema,
  seriesResponseSchema,
  topologyResponseSchema,
  traceSummariesResponseSchema,
  type GraphEdge,
  type GraphNode,
} from '../../src/api/mesh.js';
import { buildApp } from '../../src/app.js';
import { queryConfigSchema } from '../../src/config.js';
import { criticalPathOfRows, criticalPathSchema } from '../../src/tracing/critical-path.js';
import { openTestStorage, type TestStorage } from '../helpers/storage.js';
import {
  LEGACY,
  MESH,
  ordersDurationMs,
  principalOf,
  SDK_FAILED,
  SDK_TRACES,
  seedWorld,
  type SeededWorld,
} from '../helpers/world.js';
import { ReadApi } from '@meshscope/collector';

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

const windowQuery = () => `startSec=${world.window.startSec}&endSec=${world.window.endSec}`;

async function getJson<S extends z.ZodType>(url: string, schema: S): Promise<z.infer<S>> {
  const res = await app.inject({ method: 'GET', url });
  expect(res.statusCode, res.body).toBe(200);
  return schema.parse(res.json());
}

describe('GET /api/mesh/services', () => {
  it('lists mesh services from agents and the rest from SDK spans, each request counted once', async () => {
    const body = await getJson(`/api/mesh/services?${windowQuery()}`, servicesResponseSchema);
    expect(body.window).toEqual(world.window);
    const byName = new Map(body.services.map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual([
      'frontend',
      'orders',
      'payments-api',
      'ratings',
      'reviews',
      'web',
    ]);

    const reviews = byName.get('reviews');
    // reported by both agents, counted once
    expect(reviews).toMatchObject({
      namespace: MESH,
      source: 'mesh',
      requests: 1000,
      versions: ['v1', 'v2'],
    });
    expect(reviews?.errorRate).toBe(0.02);
    expect(reviews?.requestsPerSec).toBeCloseTo(1000 / 600, 10);
    // 90 % at 20 ms, 10 % in the (100, 250] ms bucket: quantiles land in their buckets
    expect(reviews?.latencyMs.p50).toBeGreaterThanOrEqual(10);
    expect(reviews?.latencyMs.p50).toBeLessThanOrEqual(25);
    expect(reviews?.latencyMs.p99).toBeGreaterThan(100);
    expect(reviews?.latencyMs.p99).toBeLessThanOrEqual(250);
    // 2 % 5xx: Kiali's default says Degraded (> 0 %), not Failure (>= 10 %)
    expect(reviews?.health).toBe('Degraded');
    expect(reviews?.saturation).toEqual({ inflight: 7, poolPending: null });

    expect(byName.get('ratings')).toMatchObject({ requests: 200, errorRate: 0.01, health: 'Degraded' });
    // no agent of its own: counted from its callers' reports
    expect(byName.get('payments-api')).toMatchObject({
      namespace: 'ext',
      source: 'mesh',
      requests: 50,
      errorRate: 0,
    });
    expect(byName.get('frontend')).toMatchObject({ requests: 300, source: 'mesh', health: 'Degraded' });

    const orders = byName.get('orders');
    expect(orders).toMatchObject({
      namespace: LEGACY,
      source: 'spans',
      requests: SDK_TRACES,
      versions: ['1.4.0'],
    });
    expect(orders?.errorRate).toBe(SDK_FAILED / SDK_TRACES);
    expect(orders?.saturation).toEqual({ inflight: null, poolPending: null });
    // p99 of 0.2, 0.4, … 200 ms is 198 ms; the t-digest is within 2 %
    expect(orders?.latencyMs.p99).toBeGreaterThan(198 * 0.98);
    expect(orders?.latencyMs.p99).toBeLessThan(198 * 1.02);
    expect(orders?.latencyMs.p50).toBeGreaterThan(100 * 0.97);
    expect(orders?.latencyMs.p50).toBeLessThan(100 * 1.03);
    expect(byName.get('web')).toMatchObject({ source: 'spans', requests: SDK_TRACES, errorRate: 0 });
  });

  it('takes rates over the part of a window that had data, as on a fresh start', async () => {
    // an hour-long window whose first 50 minutes precede the first stored minute (world.window.startSec)
    const startSec = world.window.startSec - 3000;
    const body = await getJson(
      `/api/mesh/services?startSec=${startSec}&endSec=${world.window.endSec}`,
      servicesResponseSchema,
    );
    const reviews = body.services.find((s) => s.name === 'reviews');
    expect(reviews?.requests).toBe(1000);
    expect(reviews?.requestsPerSec).toBeCloseTo(1000 / 600, 10);
    const graph = await getJson(
      `/api/mesh/topology?startSec=${startSec}&endSec=${world.window.endSec}`,
      topologyResponseSchema,
    );
    const node = graph.nodes.find((n) => n.service === 'reviews');
    expect(node?.signals.requestsPerSec).toBeCloseTo(1000 / 600, 10);
  });

  it('filters by namespace', async () => {
    const body = await getJson(
      `/api/mesh/services?${windowQuery()}&namespace=${LEGACY}`,
      servicesResponseSchema,
    );
    expect(body.services.map((s) => s.name)).toEqual(['orders', 'web']);
  });
});

describe('GET /api/mesh/services/{service}/series', () => {
  it('gives one point per minute with rates, error share and in-flight requests', async () => {
    const body = await getJson(
      `/api/mesh/services/reviews/series?startSec=${baseSec}&endSec=${baseSec + 180}&stepSec=60`,
      seriesResponseSchema,
    );
    expect(body.stepSec).toBe(60);
    expect(body.points.map((p) => p.timeSec - baseSec)).toEqual([0, 60, 120]);
    const [first, second, third] = body.points;
    expect(first?.requestsPerSec).toBeCloseTo(480 / 60, 10);
    expect(first?.errorRate).toBe(0);
    expect(first?.inflight).toBe(7);
    // minute 2: 20 failed of v1 + 500 of v2
    expect(second?.requestsPerSec).toBeCloseTo(520 / 60, 10);
    expect(second?.errorRate).toBeCloseTo(20 / 520, 12);
    expect(second?.inflight).toBe(1);
    expect(third).toMatchObject({ requestsPerSec: 0, errorRate: 0, inflight: null });
    expect(third?.latencyMs.p50).toBeNull();
  });

  it('uses SDK spans for a service outside the mesh and rounds the step up to whole minutes', async () => {
    const body = await getJson(
      `/api/mesh/services/orders/series?startSec=${baseSec + 120}&endSec=${baseSec + 240}&stepSec=90`,
      seriesResponseSchema,
    );
    expect(body.stepSec).toBe(120);
    const total = body.points.reduce((n, p) => n + p.requestsPerSec * body.stepSec, 0);
    expect(Math.round(total)).toBe(SDK_TRACES);
  });
});

describe('GET /api/mesh/services/{service}/edges', () => {
  it('lists callers and callees with exact counts, protocol, mTLS share and health', async () => {
    const body = await getJson(
      `/api/mesh/services/reviews/edges?${windowQuery()}`,
      serviceEdgesResponseSchema,
    );
    expect(body.inbound.map((e) => [e.service, e.requests, e.protocol, e.mtlsShare])).toEqual([
      ['frontend', 1000, 'http', 1],
    ]);
    expect(body.inbound[0]?.health).toBe('Degraded');
    const outbound = body.outbound.map((e) => [
      e.service,
      e.namespace,
      e.requests,
      e.protocol,
      e.mtlsShare,
      e.errorRate,
    ]);
    expect(outbound).toEqual([
      ['payments-api', 'ext', 50, 'http', 0, 0],
      ['ratings', MESH, 200, 'grpc', 1, 0.01],
    ]);
  });

  it('shows span-paired callees of a service outside the mesh without an mTLS share', async () => {
    const body = await getJson(
      `/api/mesh/services/orders/edges?${windowQuery()}`,
      serviceEdgesResponseSchema,
    );
    expect(body.inbound.map((e) => [e.service, e.requests, e.mtlsShare])).toEqual([
      ['web', SDK_TRACES, null],
    ]);
    expect(body.outbound.map((e) => [e.service, e.requests, e.protocol])).toEqual([
      ['ordersdb', SDK_TRACES, 'tcp'],
    ]);
  });
});

describe('GET /api/mesh/services/{service}/operations', () => {
  it('lists operations per span kind with signals', async () => {
    const body = await getJson(
      `/api/mesh/services/orders/operations?${windowQuery()}`,
      operationsResponseSchema,
    );
    expect(body.operations.map((o) => [o.name, o.spanKind, o.requests])).toEqual([
      ['GET /orders/{id}', 'Server', SDK_TRACES],
      ['SELECT ordersdb.orders', 'Client', SDK_TRACES],
    ]);
    expect(body.operations[0]?.errorRate).toBe(0.02);
  });
});

describe('GET /api/mesh/topology', () => {
  const edge = (edges: GraphEdge[], source: string, target: string) =>
    edges.find((e) => e.source === source && e.target === target);

  it('draws the service graph with health, mTLS, protocol, traffic share and outside nodes', async () => {
    const body = await getJson(`/api/mesh/topology?${windowQuery()}`, topologyResponseSchema);
    const nodes = new Map<string, GraphNode>(body.nodes.map((n) => [n.id, n]));
    expect([...nodes.keys()].sort()).toEqual([
      'database:ordersdb',
      'svc:ext/payments-api',
      `svc:${LEGACY}/orders`,
      `svc:${LEGACY}/web`,
      `svc:${MESH}/frontend`,
      `svc:${MESH}/ratings`,
      `svc:${MESH}/reviews`,
      'user',
    ]);
    expect(nodes.get(`svc:${MESH}/reviews`)).toMatchObject({ inMesh: true, health: 'Degraded', idle: false });
    expect(nodes.get(`svc:${MESH}/reviews`)?.signals).toMatchObject({ requests: 1000, errorRate: 0.02 });
    expect(nodes.get('svc:ext/payments-api')).toMatchObject({ inMesh: false, kind: 'service' });
    expect(nodes.get(`svc:${LEGACY}/orders`)).toMatchObject({ inMesh: false, kind: 'service' });
    expect(nodes.get(`svc:${LEGACY}/orders`)?.signals.requests).toBe(SDK_TRACES);
    expect(nodes.get('database:ordersdb')).toMatchObject({ kind: 'database' });
    expect(nodes.get('user')).toMatchObject({ kind: 'user' });

    const toReviews = edge(body.edges, `svc:${MESH}/frontend`, `svc:${MESH}/reviews`);
    expect(toReviews).toMatchObject({
      protocol: 'http',
      mtlsShare: 1,
      trafficShare: 1,
      via: 'mesh',
      health: 'Degraded',
    });
    expect(toReviews?.signals).toMatchObject({ requests: 1000, errorRate: 0.02 });
    expect(toReviews?.sourcePrincipals).toEqual([principalOf('frontend')]);
    expect(toReviews?.destinationPrincipals).toEqual([principalOf('reviews')]);
    const toRatings = edge(body.edges, `svc:${MESH}/reviews`, `svc:${MESH}/ratings`);
    const toPayments = edge(body.edges, `svc:${MESH}/reviews`, 'svc:ext/payments-api');
    expect(toRatings).toMatchObject({ protocol: 'grpc', mtlsShare: 1 });
    expect(toRatings?.trafficShare).toBeCloseTo(200 / 250, 12);
    expect(toPayments).toMatchObject({ mtlsShare: 0, health: 'Healthy' });
    expect(toPayments?.trafficShare).toBeCloseTo(50 / 250, 12);
    // callers outside: the mesh's unidentified callers and SDK roots share the "user" node
    expect(edge(body.edges, 'user', `svc:${MESH}/frontend`)?.signals.requests).toBe(300);
    expect(edge(body.edges, 'user', `svc:${LEGACY}/web`)).toMatchObject({ via: 'spans', mtlsShare: null });
    expect(edge(body.edges, `svc:${LEGACY}/web`, `svc:${LEGACY}/orders`)?.signals.requests).toBe(SDK_TRACES);
    expect(edge(body.edges, `svc:${LEGACY}/orders`, 'database:ordersdb')?.signals.requests).toBe(SDK_TRACES);
    // 20 of 1,000 orders requests failed (2 %): the web → orders edge is Degraded
    expect(edge(body.edges, `svc:${LEGACY}/web`, `svc:${LEGACY}/orders`)?.health).toBe('Degraded');
  });

  it('keeps versions apart in the versioned graph', async () => {
    const body = await getJson(
      `/api/mesh/topology?${windowQuery()}&graphType=versioned`,
      topologyResponseSchema,
    );
    const v1 = edge(body.edges, `svc:${MESH}/frontend@v1`, `svc:${MESH}/reviews@v1`);
    const v2 = edge(body.edges, `svc:${MESH}/frontend@v1`, `svc:${MESH}/reviews@v2`);
    expect(v1?.signals).toMatchObject({ requests: 500, errorRate: 0.04 });
    expect(v2?.signals).toMatchObject({ requests: 500, errorRate: 0 });
    expect(v1?.trafficShare).toBe(0.5);
    expect(body.nodes.find((n) => n.id === `svc:${MESH}/reviews@v2`)).toMatchObject({
      version: 'v2',
      health: 'Healthy',
    });
  });

  it('draws workloads in the workload graph', async () => {
    const body = await getJson(
      `/api/mesh/topology?${windowQuery()}&graphType=workload`,
      topologyResponseSchema,
    );
    expect(body.nodes.find((n) => n.id === `wl:${MESH}/reviews-v1`)).toMatchObject({
      service: 'reviews',
      version: 'v1',
      workload: 'reviews-v1',
    });
    expect(edge(body.edges, `wl:${MESH}/frontend-v1`, `wl:${MESH}/reviews-v2`)?.signals.requests).toBe(500);
  });

  it('shows idle nodes seen earlier, only when asked', async () => {
    const late = `startSec=${baseSec + 60}&endSec=${baseSec + 120}`;
    const busy = await getJson(`/api/mesh/topology?${late}`, topologyResponseSchema);
    expect(busy.nodes.map((n) => n.id).sort()).toEqual([`svc:${MESH}/frontend`, `svc:${MESH}/reviews`]);
    const withIdle = await getJson(`/api/mesh/topology?${late}&idle=true`, topologyResponseSchema);
    const ratings = withIdle.nodes.find((n) => n.id === `svc:${MESH}/ratings`);
    expect(ratings).toMatchObject({ idle: true, health: 'NA' });
    expect(ratings?.signals.requests).toBe(0);
    expect(withIdle.nodes.find((n) => n.id === `svc:${MESH}/reviews`)?.idle).toBe(false);
  });

  it('keeps only edges touching a namespace', async () => {
    const body = await getJson(
      `/api/mesh/topology?${windowQuery()}&namespace=${LEGACY}`,
      topologyResponseSchema,
    );
    expect(body.nodes.map((n) => n.id).sort()).toEqual([
      'database:ordersdb',
      `svc:${LEGACY}/orders`,
      `svc:${LEGACY}/web`,
      'user',
    ]);
  });
});

describe('configured health tolerances', () => {
  it('replace Kiali’s defaults where they match, for services, nodes and edges alike', async () => {
    const lenient = await buildApp({
      storage: db.storage,
      queryLimits: db.config.queryLimits,
      now: () => nowMs,
      config: queryConfigSchema.parse({
        health: {
          rate: [
            { namespace: MESH, tolerance: [{ code: '5XX', degraded: 5, failure: 50, protocol: 'http' }] },
          ],
        },
      }),
    });
    try {
      const get = async <S extends z.ZodType>(url: string, schema: S): Promise<z.infer<S>> => {
        const res = await lenient.inject({ method: 'GET', url });
        expect(res.statusCode, res.body).toBe(200);
        return schema.parse(res.json());
      };
      const services = await get(`/api/mesh/services?${windowQuery()}`, servicesResponseSchema);
      const health = new Map(services.services.map((s) => [s.name, s.health]));
      // 2 % 5xx is under the configured 5 %; the legacy namespace keeps the defaults (> 0 %: Degraded)
      expect(health.get('reviews')).toBe('Healthy');
      expect(health.get('orders')).toBe('Degraded');
      const graph = await get(`/api/mesh/topology?${windowQuery()}`, topologyResponseSchema);
      const toReviews = graph.edges.find(
        (e) => e.source === `svc:${MESH}/frontend` && e.target === `svc:${MESH}/reviews`,
      );
      expect(toReviews?.signals.errorRate).toBe(0.02);
      expect(toReviews?.health).toBe('Healthy');
      expect(graph.nodes.find((n) => n.id === `svc:${MESH}/reviews`)?.health).toBe('Healthy');
      const toOrders = graph.edges.find(
        (e) => e.source === `svc:${LEGACY}/web` && e.target === `svc:${LEGACY}/orders`,
      );
      expect(toOrders?.health).toBe('Degraded');
    } finally {
      await lenient.close();
    }
  });
});

describe('GET /api/mesh/edges/series', () => {
  it('gives one edge over time', async () => {
    const body = await getJson(
      `/api/mesh/edges/series?source=frontend&target=reviews&startSec=${baseSec}&endSec=${baseSec + 120}&stepSec=60`,
      edgeSeriesResponseSchema,
    );
    expect(body).toMatchObject({ source: 'frontend', target: 'reviews', stepSec: 60 });
    expect(body.points.map((p) => Math.round(p.requestsPerSec * 60))).toEqual([480, 520]);
    expect(body.points[1]?.errorRate).toBeCloseTo(20 / 520, 12);
  });
});

describe('traces', () => {
  it('summarises search results, newest first', async () => {
    const body = await getJson(
      `/api/mesh/traces?${windowQuery()}&service=orders&tags=${encodeURIComponent('error=true')}&limit=5`,
      traceSummariesResponseSchema,
    );
    expect(body.traces).toHaveLength(5);
    const failed = new Set(world.sdkTraceIds.slice(0, SDK_FAILED));
    for (const t of body.traces) expect(failed.has(t.traceID)).toBe(true);
    expect(body.traces.map((t) => t.traceID)).toEqual(
      world.sdkTraceIds.slice(SDK_FAILED - 5, SDK_FAILED).reverse(),
    );
    expect(body.traces[0]).toMatchObject({
      rootService: 'web',
      rootOperation: 'GET /home',
      spanCount: 4,
      errorCount: 2,
      services: [
        { name: 'orders', spanCount: 2 },
        { name: 'web', spanCount: 2 },
      ],
    });
  });

  it('finds traces by duration', async () => {
    const body = await getJson(
      `/api/mesh/traces?${windowQuery()}&service=orders&operation=${encodeURIComponent('GET /orders/{id}')}&minDuration=199.7ms&limit=20`,
      traceSummariesResponseSchema,
    );
    expect(body.traces.map((t) => t.traceID)).toEqual([
      world.slowestTraceId,
      world.sdkTraceIds[SDK_TRACES - 2],
    ]);
    expect(body.traces[0]?.durationUs).toBeGreaterThanOrEqual(ordersDurationMs(SDK_TRACES - 1) * 1000);
  });

  it('computes the critical path of a stored trace, as the pure core does', async () => {
    const body = await getJson(`/api/mesh/traces/${world.slowestTraceId}/critical-path`, criticalPathSchema);
    const read = new ReadApi(db.storage, db.config.queryLimits);
    expect(body).toEqual(criticalPathOfRows(await read.trace(world.slowestTraceId)));
    expect(body.sections.length).toBeGreaterThanOrEqual(4);
    const total = body.sections.reduce((n, s) => n + (s.sectionEnd - s.sectionStart), 0);
    const selfTotal = body.selfTimes.reduce((n, s) => n + s.selfTimeUs, 0);
    expect(selfTotal).toBe(total);
  });

  it('answers 404 for an unknown trace and 400 for a malformed id', async () => {
    const unknown = await app.inject({ url: `/api/mesh/traces/${'ab'.repeat(16)}/critical-path` });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { status: 404 } });
    const bad = await app.inject({ url: '/api/mesh/traces/not-hex/critical-path' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { status: 400, parameter: 'traceID' } });
  });

  it('attributes the slow traces’ critical-path time to operations, against a baseline', async () => {
    const body = await getJson(
      `/api/mesh/attribution?${windowQuery()}&service=orders&operation=${encodeURIComponent('GET /orders/{id}')}&slow=10&baseline=200`,
      latencyAttributionResponseSchema,
    );
    expect(body).toMatchObject({ service: 'orders', operation: 'GET /orders/{id}', window: world.window });
    expect(body.slow.traceCount).toBe(10);
    expect(body.baseline.traceCount).toBe(200);
    // the slowest 10 traces take about 198-200 ms; the orders handler's own time explains the difference
    expect(body.slow.durationP50Us).toBeGreaterThan(195_000);
    const top = body.operations[0];
    expect(top).toMatchObject({ service: 'orders', operation: 'GET /orders/{id}' });
    expect(top?.delta.meanUs).toBeGreaterThan(50_000);
  });
});
