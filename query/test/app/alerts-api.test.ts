import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exemplarsResponseSchema,
  historyResponseSchema,
  instancesResponseSchema,
  rulesResponseSchema,
  silenceSchema,
  type AlertInstance,
} from '../../src/api/alerts.js';
import { buildApp } from '../../src/app.js';
import { queryConfigSchema } from '../../src/config.js';
import { openTestStorage, type TestStorage } from '../helpers/storage.js';
import { SDK_FAILED, seedWorld, type SeededWorld } from '../helpers/world.js';

const READ = 'read-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef';
const read = { authorization: `Bearer ${READ}` };
const admin = { authorization: `Bearer ${ADMIN}` };

const RULES_FILE = `
rules:
  - name: OrdersErrors
    scope: { service: orders }
    signal: { type: error_rate, window: 20m, threshold: 0.01 }
    labels: { team: shop }
    annotations: { summary: "{{service}} fails {{value}} of requests" }
`;

const apiRule = (threshold = 0.1) => ({
  name: 'SlowReviews',
  scope: { service: 'reviews' },
  signal: { type: 'latency', quantile: 0.99, window: '10m', threshold },
  for: '5m',
});

let db: TestStorage;
let app: FastifyInstance;
let world: SeededWorld;
let dir: string;
const baseSec = Math.floor(Date.now() / 60_000) * 60 - 1200;
const nowMs = (baseSec + 900) * 1000;

beforeAll(async () => {
  db = await openTestStorage();
  world = await seedWorld(db.sink, db.storage, baseSec);
  dir = await mkdtemp(join(tmpdir(), 'meshscope-alert-rules-'));
  const rulesFile = join(dir, 'rules.yaml');
  await writeFile(rulesFile, RULES_FILE);
  app = await buildApp({
    storage: db.storage,
    queryLimits: db.config.queryLimits,
    now: () => nowMs,
    config: queryConfigSchema.parse({
      tokens: { read: [READ], admin: [ADMIN] },
      alerts: { rulesFile, evaluationIntervalSec: 1 },
    }),
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await db?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const get = async (url: string) => app.inject({ method: 'GET', url, headers: read });

/** The evaluator runs every second in the app; wait (bounded) until it has fired the file rule. */
async function firingInstance(): Promise<AlertInstance> {
  for (let i = 0; i < 100; i++) {
    const body = instancesResponseSchema.parse(
      (await get('/api/mesh/alerts/instances?status=firing')).json(),
    );
    const hit = body.instances.find((x) => x.rule === 'OrdersErrors');
    if (hit) return hit;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('OrdersErrors never fired');
}

describe('/api/mesh/alerts', () => {
  it('lists the rules file, read-only through the API', async () => {
    const body = rulesResponseSchema.parse((await get('/api/mesh/alerts/rules')).json());
    expect(body.rules).toEqual([
      expect.objectContaining({
        source: 'file',
        rule: expect.objectContaining({ name: 'OrdersErrors' }) as unknown,
      }),
    ]);
    const del = await app.inject({
      method: 'DELETE',
      url: '/api/mesh/alerts/rules/OrdersErrors',
      headers: admin,
    });
    expect(del.statusCode).toBe(409);
    expect(del.json()).toMatchObject({
      error: { message: expect.stringContaining('rules file') as unknown },
    });
  });

  it('creates, replaces and deletes rules with an admin token, naming the bad field of a bad rule', async () => {
    const post = (payload: object, headers = admin) =>
      app.inject({ method: 'POST', url: '/api/mesh/alerts/rules', headers, payload });
    expect((await post(apiRule(), read)).statusCode).toBe(403);

    const bad = await post({ ...apiRule(), signal: { type: 'error_rate', window: '5m', threshold: 5 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { parameter: 'signal.threshold' } });
    expect(bad.json<{ error: { message: string } }>().error.message).toMatch(
      /^invalid alert rule: signal\.threshold: /,
    );

    const created = await post(apiRule());
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      source: 'api',
      rule: { name: 'SlowReviews', for: '5m', noData: 'ok' },
    });
    expect((await post(apiRule())).statusCode).toBe(409);

    const put = (name: string, payload: object) =>
      app.inject({ method: 'PUT', url: `/api/mesh/alerts/rules/${name}`, headers: admin, payload });
    expect((await put('SlowReviews', apiRule(250))).statusCode).toBe(200);
    expect((await put('Other', apiRule())).json()).toMatchObject({
      error: { status: 400, parameter: 'name' },
    });
    const one = await get('/api/mesh/alerts/rules/SlowReviews');
    expect(one.json()).toMatchObject({ rule: { signal: { threshold: 250 } } });

    const listed = rulesResponseSchema.parse((await get('/api/mesh/alerts/rules')).json());
    expect(listed.rules.map((r) => [r.rule.name, r.source])).toEqual([
      ['OrdersErrors', 'file'],
      ['SlowReviews', 'api'],
    ]);

    const del = await app.inject({
      method: 'DELETE',
      url: '/api/mesh/alerts/rules/SlowReviews',
      headers: admin,
    });
    expect(del.statusCode).toBe(204);
    expect((await get('/api/mesh/alerts/rules/SlowReviews')).statusCode).toBe(404);
  });

  it('shows the firing instance with its value, and every transition in the history', async () => {
    const instance = await firingInstance();
    expect(instance).toMatchObject({
      labels: { alertname: 'OrdersErrors', service: 'orders', team: 'shop' },
      annotations: { summary: 'orders fails 0.02 of requests' },
      value: SDK_FAILED / 1000,
      threshold: 0.01,
      firedAtMs: nowMs,
      silenced: false,
    });
    const history = historyResponseSchema.parse(
      (await get(`/api/mesh/alerts/history?rule=OrdersErrors&startSec=${baseSec}`)).json(),
    );
    const transitions = history.events
      .filter((e) => e.receiver === '')
      .map((e) => [e.event, e.timeMs, e.value]);
    expect(transitions).toEqual(
      expect.arrayContaining([
        ['pending', nowMs, 0.02],
        ['firing', nowMs, 0.02],
      ]),
    );
  });

  it('links a firing instance to traces of its failing requests', async () => {
    const instance = await firingInstance();
    const res = await get(`/api/mesh/alerts/instances/${instance.fingerprint}/exemplars?limit=5`);
    expect(res.statusCode, res.body).toBe(200);
    const body = exemplarsResponseSchema.parse(res.json());
    expect(body.traceIds).toHaveLength(5);
    const failed = new Set(world.sdkTraceIds.slice(0, SDK_FAILED));
    for (const id of body.traceIds) expect(failed.has(id)).toBe(true);
    expect((await get('/api/mesh/alerts/instances/0123456789abcdef/exemplars')).statusCode).toBe(404);
  });

  it('silences instances by matchers until the silence is expired', async () => {
    const instance = await firingInstance();
    const post = (payload: object) =>
      app.inject({ method: 'POST', url: '/api/mesh/alerts/silences', headers: admin, payload });
    const badRegex = await post({
      matchers: [{ name: 'service', value: '(', isRegex: true }],
      endsAtMs: nowMs + 1,
    });
    expect(badRegex.json()).toMatchObject({ error: { status: 400, parameter: 'matchers[0].value' } });

    const created = await post({
      matchers: [
        { name: 'alertname', value: 'OrdersErrors' },
        { name: 'service', value: 'ord.*', isRegex: true },
      ],
      endsAtMs: nowMs + 3_600_000,
      createdBy: 'oncall',
      comment: 'known incident',
    });
    expect(created.statusCode, created.body).toBe(201);
    const silence = silenceSchema.parse(created.json());
    expect(silence).toMatchObject({ status: 'active', startsAtMs: nowMs });

    const silenced = instancesResponseSchema.parse((await get('/api/mesh/alerts/instances')).json());
    expect(silenced.instances.find((i) => i.fingerprint === instance.fingerprint)?.silenced).toBe(true);

    const expire = await app.inject({
      method: 'DELETE',
      url: `/api/mesh/alerts/silences/${silence.id}`,
      headers: admin,
    });
    expect(expire.json()).toMatchObject({ status: 'expired' });
    const after = instancesResponseSchema.parse((await get('/api/mesh/alerts/instances')).json());
    expect(after.instances.find((i) => i.fingerprint === instance.fingerprint)?.silenced).toBe(false);
  });

  it('documents the alert routes in OpenAPI', async () => {
    const doc = (await get('/api/docs/json')).json<{ paths: Record<string, unknown> }>();
    for (const path of [
      '/api/mesh/alerts/rules',
      '/api/mesh/alerts/rules/{name}',
      '/api/mesh/alerts/instances',
      '/api/mesh/alerts/history',
      '/api/mesh/alerts/silences',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });
});
