import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createStorageClient,
  queryLimitsSchema,
  storageConfigSchema,
  type StorageClient,
} from '@meshscope/collector';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { queryConfigSchema } from '../../src/config.js';
import { startQueryService } from '../../src/server.js';
import { openTestStorage, type TestStorage } from '../helpers/storage.js';
import { seedWorld, type SeededWorld } from '../helpers/world.js';

let db: TestStorage;
let world: SeededWorld;
let app: FastifyInstance;

const baseSec = Math.floor(Date.now() / 60_000) * 60 - 1200;
const READ = 'read-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef';

beforeAll(async () => {
  db = await openTestStorage();
  world = await seedWorld(db.sink, db.storage, baseSec);
  app = await buildApp({ storage: db.storage, queryLimits: db.config.queryLimits });
});
afterAll(async () => {
  await app?.close();
  await db?.cleanup();
});

const windowQuery = () => `startSec=${world.window.startSec}&endSec=${world.window.endSec}`;

describe('API tokens', () => {
  let secured: FastifyInstance;
  beforeAll(async () => {
    secured = await buildApp({
      storage: db.storage,
      config: queryConfigSchema.parse({ tokens: { read: [READ], admin: [ADMIN] } }),
    });
  });
  afterAll(() => secured.close());

  it('asks for a bearer token on every /api route, with a JSON body', async () => {
    for (const url of [
      '/api/services',
      '/api/mesh/services',
      '/api/v3/services',
      '/api/docs/json',
      '/api/nope',
    ]) {
      const res = await secured.inject({ url });
      expect(res.statusCode, url).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    }
    expect((await secured.inject({ url: '/api/services' })).json()).toMatchObject({
      errors: [{ code: 401, msg: expect.stringContaining('Authorization: Bearer') as unknown }],
    });
    expect((await secured.inject({ url: '/api/mesh/services' })).json()).toMatchObject({
      error: { status: 401 },
    });
  });

  it('refuses unknown tokens and malformed headers', async () => {
    for (const authorization of [
      `Bearer ${READ}x`,
      `Basic ${READ}`,
      'Bearer',
      `Bearer ${READ.slice(0, -1)}`,
    ]) {
      expect((await secured.inject({ url: '/api/services', headers: { authorization } })).statusCode).toBe(
        401,
      );
    }
  });

  it('lets read tokens read, and only admin tokens write', async () => {
    const read = { authorization: `Bearer ${READ}` };
    const admin = { authorization: `bearer ${ADMIN}` };
    expect((await secured.inject({ url: '/api/services', headers: read })).statusCode).toBe(200);
    expect((await secured.inject({ url: '/api/services', headers: admin })).statusCode).toBe(200);
    const write = await secured.inject({
      method: 'POST',
      url: '/api/mesh/alerts/rules',
      headers: read,
      payload: {},
    });
    expect(write.statusCode).toBe(403);
    expect(write.json()).toMatchObject({
      error: { status: 403, message: expect.stringContaining('admin') as unknown },
    });
    // an admin token passes; the empty rule is then refused by validation, which names the field
    const asAdmin = await secured.inject({
      method: 'POST',
      url: '/api/mesh/alerts/rules',
      headers: admin,
      payload: {},
    });
    expect(asAdmin.statusCode).toBe(400);
    expect(asAdmin.json()).toMatchObject({ error: { status: 400, parameter: 'name' } });
  });

  it('keeps health, readiness and metrics outside the tokens', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics']) {
      expect((await secured.inject({ url })).statusCode, url).toBe(200);
    }
  });
});

describe('errors', () => {
  it('answers unknown routes with 404 in the shape of the API family', async () => {
    const mesh = await app.inject({ url: '/api/mesh/nothing-here' });
    expect(mesh.statusCode).toBe(404);
    expect(mesh.json()).toEqual({ error: { status: 404, message: 'no route GET /api/mesh/nothing-here' } });
    expect((await app.inject({ url: '/api/v3/nothing' })).json()).toMatchObject({ error: { httpCode: 404 } });
    expect((await app.inject({ url: '/api/services/x/y/z' })).json()).toMatchObject({
      data: null,
      errors: [{ code: 404 }],
    });
  });

  it('names the parameter of every bad mesh request', async () => {
    const cases: [string, string][] = [
      [`/api/mesh/services?startSec=yesterday`, 'startSec'],
      [`/api/mesh/services?endSec=1&startSec=2`, 'startSec'],
      [`/api/mesh/services?startSec=1&startSec=2`, 'startSec'],
      [`/api/mesh/services/reviews/series?stepSec=0`, 'stepSec'],
      [`/api/mesh/topology?graphType=galaxy`, 'graphType'],
      [`/api/mesh/topology?idle=maybe`, 'idle'],
      [`/api/mesh/edges/series?source=a`, 'target'],
      [`/api/mesh/traces?minDuration=fast`, 'minDuration'],
      [`/api/mesh/traces?limit=0`, 'limit'],
      [`/api/mesh/traces?tags=${encodeURIComponent('a="unclosed')}`, 'tags'],
      [`/api/mesh/attribution?service=orders`, 'operation'],
      [`/api/mesh/attribution?service=orders&operation=x&slow=100000`, 'slow'],
    ];
    for (const [url, parameter] of cases) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toMatchObject({ error: { status: 400, parameter } });
      expect(res.json<{ error: { message: string } }>().error.message, url).toContain(parameter);
    }
  });

  it('says the storage is unreachable with a 503, never a bare 500', async () => {
    const gone: StorageClient = await createStorageClient(
      storageConfigSchema.parse({ url: 'http://127.0.0.1:1' }),
    );
    const down = await buildApp({ storage: gone });
    try {
      const ready = await down.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ status: 'unavailable' });
      const res = await down.inject({ url: '/api/mesh/services' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({
        error: { status: 503, message: expect.stringContaining('unreachable') as unknown },
      });
      expect((await down.inject({ url: '/api/services' })).json()).toMatchObject({
        data: null,
        errors: [{ code: 503 }],
      });
    } finally {
      await down.close();
      await gone.close();
    }
  });
});

describe('storage limits', () => {
  it('lets ClickHouse stop a read over its memory ceiling, answered as a 503 that says how to narrow it', async () => {
    const tight = await buildApp({
      storage: db.storage,
      queryLimits: queryLimitsSchema.parse({ ...db.config.queryLimits, maxMemoryBytes: 64 * 1024 }),
    });
    try {
      const mesh = await tight.inject({ url: `/api/mesh/services?${windowQuery()}` });
      expect(mesh.statusCode, mesh.body).toBe(503);
      expect(mesh.json<{ error: { message: string } }>().error.message).toMatch(
        /MEMORY_LIMIT_EXCEEDED.*narrow the time window/,
      );
      const jaeger = await tight.inject({
        url: `/api/dependencies?endTs=${world.window.endSec * 1000}&lookback=600000`,
      });
      expect(jaeger.statusCode).toBe(503);
      expect(jaeger.json()).toMatchObject({ data: null, errors: [{ code: 503 }] });
    } finally {
      await tight.close();
    }
    // the same reads within the default limits succeed
    expect((await app.inject({ url: `/api/mesh/services?${windowQuery()}` })).statusCode).toBe(200);
  });
});

describe('hostile input', () => {
  const hostile = [
    "o'brien",
    'back\\slash\\',
    '{name:String}',
    '{p0:String}',
    "'; DROP TABLE otel_traces --",
    '") OR 1=1 --',
  ];

  it('treats quotes, backslashes, placeholders and SQL in every string parameter as text', async () => {
    const spansBefore = await countSpans();
    const w = windowQuery();
    const v3Times = `query.start_time_min=${new Date(world.window.startSec * 1000).toISOString()}&query.start_time_max=${new Date(world.window.endSec * 1000).toISOString()}`;
    for (const raw of hostile) {
      const v = encodeURIComponent(raw);
      const json = encodeURIComponent(JSON.stringify({ [raw]: raw }));
      const logfmt = encodeURIComponent(`k=${JSON.stringify(raw)}`);
      const urls = [
        `/api/services/${v}/operations`,
        `/api/operations?service=${v}&spanKind=server`,
        `/api/traces?service=${v}&operation=${v}&tags=${json}&tag=${v}:${v}`,
        `/api/dependencies?service=${v}`,
        `/api/metrics/calls?service=${v}&service=orders`,
        `/api/v3/operations?service=${v}`,
        `/api/v3/traces?query.service_name=${v}&query.operation_name=${v}&query.attributes=${json}&${v3Times}`,
        `/api/mesh/services?${w}&namespace=${v}`,
        `/api/mesh/services/${v}/series?${w}&namespace=${v}`,
        `/api/mesh/services/${v}/edges?${w}&namespace=${v}`,
        `/api/mesh/services/${v}/operations?${w}`,
        `/api/mesh/topology?${w}&namespace=${v}`,
        `/api/mesh/edges/series?${w}&source=${v}&target=${v}`,
        `/api/mesh/traces?${w}&service=${v}&operation=${v}&tags=${logfmt}`,
        `/api/mesh/attribution?${w}&service=${v}&operation=${v}`,
      ];
      for (const url of urls) {
        const res = await app.inject({ url });
        expect([200, 404], `${url} → ${res.body}`).toContain(res.statusCode);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
      }
    }
    expect(await countSpans()).toBe(spansBefore);
  });

  it('finds a value that is itself hostile text, exactly', async () => {
    const raw = "o'brien \\ {name:String}'; DROP TABLE otel_traces --";
    const tags = encodeURIComponent(JSON.stringify({ 'user.id': raw }));
    const res = await app.inject({
      url: `/api/traces?service=orders&tags=${tags}&start=${world.window.startSec * 1e6}`,
    });
    expect(res.json<{ data: { traceID: string }[] }>().data.map((t) => t.traceID)).toEqual([
      world.sdkTraceIds[7],
    ]);
    const logfmt = encodeURIComponent(`user.id=${JSON.stringify(raw)}`);
    const mesh = await app.inject({ url: `/api/mesh/traces?${windowQuery()}&tags=${logfmt}` });
    expect(mesh.json<{ traces: { traceID: string }[] }>().traces.map((t) => t.traceID)).toEqual([
      world.sdkTraceIds[7],
    ]);
  });
});

async function countSpans(): Promise<number> {
  const rs = await db.storage.client.query({
    query: `SELECT count() AS n FROM ${db.storage.table('otel_traces')}`,
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ n: string }>();
  return Number(row?.n);
}

describe('operations endpoints and docs', () => {
  it('reports liveness, readiness and Prometheus metrics per route and per storage read', async () => {
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready' });
    await app.inject({ url: `/api/mesh/topology?${windowQuery()}` });
    const metrics = await app.inject({ url: '/metrics' });
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.body).toMatch(
      /meshscope_query_http_requests_total\{method="GET",route="\/api\/mesh\/topology",status_code="200"\} [1-9]/,
    );
    expect(metrics.body).toMatch(
      /meshscope_query_storage_query_duration_seconds_count\{operation="meshTraffic",outcome="ok"\} [1-9]/,
    );
    expect(metrics.body).toContain('meshscope_query_http_request_duration_seconds_bucket');
  });

  it('serves the OpenAPI document and its UI at /api/docs', async () => {
    const doc = (await app.inject({ url: '/api/docs/json' })).json<{
      openapi: string;
      paths: Record<string, unknown>;
    }>();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/api/mesh/services',
      '/api/mesh/services/{service}/series',
      '/api/mesh/topology',
      '/api/mesh/traces/{traceID}/critical-path',
      '/api/mesh/attribution',
      '/api/traces/{traceID}',
      '/api/metrics/latencies',
      '/api/v3/traces',
    ]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    const ui = await app.inject({ url: '/api/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/^text\/html/);
  });
});

describe('serving', () => {
  it('listens on a real socket and closes', async () => {
    const handle = await startQueryService(
      queryConfigSchema.parse({ port: 0, uiDir: join(db.dir, 'no-ui') }),
      db.storage,
      pino({ level: 'silent' }),
      { queryLimits: db.config.queryLimits },
    );
    try {
      expect(handle.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${handle.url}/api/services`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ data: ['orders', 'web'] });
      const root = await fetch(`${handle.url}/`);
      expect(root.status).toBe(404);
    } finally {
      await handle.close();
    }
  });

  it('serves the built UI with a fallback to index.html for deep links, never for /api', async () => {
    const uiDir = join(db.dir, 'ui-dist');
    await mkdir(join(uiDir, 'assets'), { recursive: true });
    await writeFile(join(uiDir, 'index.html'), '<!doctype html><title>meshscope</title>');
    await writeFile(join(uiDir, 'assets', 'app-1a2b3c.js'), 'console.log(1)');
    const withUi = await buildApp({ storage: db.storage, uiDir });
    try {
      const index = await withUi.inject({ url: '/' });
      expect(index.statusCode).toBe(200);
      expect(index.body).toContain('<title>meshscope</title>');
      const asset = await withUi.inject({ url: '/assets/app-1a2b3c.js' });
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      const deep = await withUi.inject({ url: '/services/reviews?window=1h' });
      expect(deep.statusCode).toBe(200);
      expect(deep.headers['content-type']).toMatch(/^text\/html/);
      expect(deep.headers['cache-control']).toBe('no-cache');
      const api = await withUi.inject({ url: '/api/mesh/unknown' });
      expect(api.statusCode).toBe(404);
      expect(api.json()).toMatchObject({ error: { status: 404 } });
    } finally {
      await withUi.close();
    }
  });
});
