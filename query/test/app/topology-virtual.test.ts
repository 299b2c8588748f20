import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { SpanPairingJob } from '@meshscope/collector';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topologyResponseSchema, type GraphEdge } from '../../src/api/mesh.js';
import { buildApp } from '../../src/app.js';
import { openTestStorage, type TestStorage } from '../helpers/storage.js';
import { sdkSpanRows } from '../helpers/sdk.js';

/**
 * A service outside the mesh calling peers that send no spans: the topology names each peer as the
 * OpenTelemetry servicegraph connector does (peer.service, then server.address, then db.name / db.system),
 * with exact call counts from span pairing over closed minutes.
 *
 * shipping (SDK, namespace `legacy`), 40 traces: SERVER `POST /ship` (root) with three CLIENT children:
 *   carrier: peer.service `carrier-api` (and a server.address, which peer.service beats); 4 of 40 fail (502)
 *   maps:    server.address `maps.example.com` only
 *   cache:   db.system `redis` only
 */

const TRACES = 40;
const CARRIER_FAILED = 4;

let db: TestStorage;
let app: FastifyInstance;
const baseSec = Math.floor(Date.now() / 60_000) * 60 - 1200;
const window = `startSec=${baseSec}&endSec=${baseSec + 600}`;

beforeAll(async () => {
  db = await openTestStorage();
  const rows = await sdkSpanRows({ 'service.name': 'shipping', 'k8s.namespace.name': 'legacy' }, (tracer) => {
    for (let i = 0; i < TRACES; i++) {
      const at = (baseSec + 60) * 1000 + i * 500;
      const root = tracer.startSpan('POST /ship', {
        kind: SpanKind.SERVER,
        startTime: at,
        attributes: {
          'http.request.method': 'POST',
          'http.route': '/ship',
          'http.response.status_code': 200,
        },
      });
      const under = trace.setSpan(context.active(), root);
      const failed = i < CARRIER_FAILED;
      const carrier = tracer.startSpan(
        'POST',
        {
          kind: SpanKind.CLIENT,
          startTime: at + 1,
          attributes: {
            'peer.service': 'carrier-api',
            'server.address': 'api.carrier.example',
            'http.request.method': 'POST',
            'http.response.status_code': failed ? 502 : 200,
          },
        },
        under,
      );
      if (failed) carrier.setStatus({ code: SpanStatusCode.ERROR });
      carrier.end(at + 20);
      tracer
        .startSpan(
          'GET',
          {
            kind: SpanKind.CLIENT,
            startTime: at + 21,
            attributes: {
              'server.address': 'maps.example.com',
              'http.request.method': 'GET',
              'http.response.status_code': 200,
            },
          },
          under,
        )
        .end(at + 30);
      tracer
        .startSpan(
          'GET',
          { kind: SpanKind.CLIENT, startTime: at + 31, attributes: { 'db.system': 'redis' } },
          under,
        )
        .end(at + 32);
      root.end(at + 40);
    }
  });
  await db.sink.writeSpans(rows);
  const pairing = new SpanPairingJob(
    db.storage,
    { lagSec: 0, skewSec: 60, intervalMs: 60_000, catchUpSec: 0 },
    pino({ level: 'silent' }),
  );
  for (let minute = baseSec; minute < baseSec + 180; minute += 60) await pairing.pairMinute(minute);
  app = await buildApp({ storage: db.storage, queryLimits: db.config.queryLimits });
});
afterAll(async () => {
  await app?.close();
  await db?.cleanup();
});

describe('topology: peers without spans', () => {
  it('become virtual and database nodes named as the servicegraph connector names them', async () => {
    const res = await app.inject({ url: `/api/mesh/topology?${window}` });
    expect(res.statusCode, res.body).toBe(200);
    const graph = topologyResponseSchema.parse(res.json());
    expect(graph.nodes.map((n) => [n.id, n.kind, n.inMesh]).sort()).toEqual([
      ['database:redis', 'database', false],
      ['svc:legacy/shipping', 'service', false],
      ['user', 'user', false],
      ['virtual:carrier-api', 'virtual', false],
      ['virtual:maps.example.com', 'virtual', false],
    ]);
    const edge = (target: string): GraphEdge | undefined =>
      graph.edges.find((e) => e.source === 'svc:legacy/shipping' && e.target === target);
    for (const target of ['virtual:carrier-api', 'virtual:maps.example.com', 'database:redis']) {
      expect(edge(target), target).toMatchObject({ via: 'spans', mtlsShare: null });
      expect(edge(target)?.signals.requests, target).toBe(TRACES);
    }
    // the caller saw 10 % 502s from the carrier: Failure by Kiali's default (>= 10 %)
    expect(edge('virtual:carrier-api')?.signals.errorRate).toBe(CARRIER_FAILED / TRACES);
    expect(edge('virtual:carrier-api')?.health).toBe('Failure');
    expect(edge('virtual:maps.example.com')?.health).toBe('Healthy');
    expect(graph.edges.find((e) => e.source === 'user')?.signals.requests).toBe(TRACES);
    expect(graph.edges).toHaveLength(4);
  });
});
