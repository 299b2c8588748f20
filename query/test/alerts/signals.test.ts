import { ReadApi } from '@meshscope/collector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRule } from '../../src/alerts/rules.js';
import { compileScope } from '../../src/alerts/scope.js';
import { inScope, observe, SignalReader, type Subject } from '../../src/alerts/signals.js';
import type { AlertRuleInput } from '../../src/api/alerts.js';
import { requestHistogram, type Hop } from '../helpers/mesh.js';
import { openTestStorage, type TestStorage } from '../helpers/storage.js';
import { seedWorld, SDK_FAILED, SDK_TRACES } from '../helpers/world.js';

const svc = (app: string) => ({ app, version: 'v1', namespace: 'shop' });
const cartPayments: Hop = { source: svc('cart'), dest: svc('payments') };
const cartLedger: Hop = { source: svc('cart'), dest: svc('ledger') };
const webCart: Hop = { source: svc('web'), dest: svc('cart') };
const durations = (n: number, sec: number): number[] => new Array<number>(n).fill(sec);

const baseSec = Math.floor(Date.now() / 60_000) * 60 - 4 * 3600;
const nowSec = baseSec + 3600;

let db: TestStorage;
let reader: SignalReader;

beforeAll(async () => {
  db = await openTestStorage();
  // SDK services (web → orders, 2 % of orders' requests fail) a few minutes before now
  await seedWorld(db.sink, db.storage, nowSec - 600);
  const dest = (hop: Hop, code: number, n: number, sec: number, atSec: number) =>
    requestHistogram(hop, 'destination', code, durations(n, sec), atSec);
  await db.sink.writeMetrics({
    sums: [],
    gauges: [],
    histograms: [
      // payments: 20 % failing for the whole hour
      dest(cartPayments, 200, 800, 0.02, nowSec - 50 * 60),
      dest(cartPayments, 503, 200, 0.02, nowSec - 50 * 60),
      dest(cartPayments, 200, 160, 0.02, nowSec - 120),
      dest(cartPayments, 503, 40, 0.02, nowSec - 120),
      // ledger: healthy for most of the hour, half failing in the last minutes
      dest(cartLedger, 200, 10_000, 0.02, nowSec - 50 * 60),
      dest(cartLedger, 200, 50, 0.02, nowSec - 120),
      dest(cartLedger, 503, 50, 0.02, nowSec - 120),
      // cart: slow, rarely called
      dest(webCart, 200, 30, 0.5, nowSec - 120),
    ],
  });
  reader = new SignalReader(new ReadApi(db.storage, db.config.queryLimits), nowSec);
});
afterAll(async () => db?.cleanup());

async function evaluate(input: Omit<AlertRuleInput, 'name'>): Promise<Record<string, unknown>> {
  const rule = parseRule({ name: 'r', ...input });
  const matcher = compileScope(rule.scope);
  const seen = await reader.stats(matcher.kind, 3600);
  const subjects: Subject[] = [...seen.values()].map((s) => s.subject).filter((s) => inScope(matcher, s));
  const out: Record<string, unknown> = {};
  for (const subject of subjects)
    out[Object.values(subject).join('→')] = await observe(rule, matcher.kind, subject, reader);
  return out;
}

describe('alert signals over the rollups', () => {
  it('a window reads every minute it overlaps: a 1m window just after a minute boundary keeps the last minute', async () => {
    // payments' last requests are in the minute starting at nowSec - 120; 5 s into the next minute a 1m
    // window must still see them (it used to read only the new, empty minute: no data).
    const rule = parseRule({ name: 'r', signal: { type: 'error_rate', window: '1m', threshold: 0.05 } });
    const at = (sec: number) => new SignalReader(new ReadApi(db.storage, db.config.queryLimits), sec);
    const payments = { service: 'payments' };
    expect(await observe(rule, 'service', payments, at(nowSec - 60 + 5))).toEqual({
      kind: 'value',
      value: 0.2,
      threshold: 0.05,
      active: true,
    });
    // …and only those: a minute later they have left it.
    expect(await observe(rule, 'service', payments, at(nowSec + 5))).toEqual({ kind: 'no_data' });
  });

  it('error rate per service: 5xx share from agents, SDK spans for services outside the mesh', async () => {
    const obs = await evaluate({ signal: { type: 'error_rate', window: '10m', threshold: 0.1 } });
    expect(obs.payments).toEqual({ kind: 'value', value: 0.2, threshold: 0.1, active: true });
    expect(obs.ledger).toEqual({ kind: 'value', value: 0.5, threshold: 0.1, active: true });
    expect(obs.cart).toMatchObject({ value: 0, active: false });
    expect(obs.orders).toEqual({
      kind: 'value',
      value: SDK_FAILED / SDK_TRACES,
      threshold: 0.1,
      active: false,
    });
  });

  it('counts too few requests as no data (minRequests)', async () => {
    const obs = await evaluate({
      scope: { service: 'cart' },
      minRequests: 31,
      signal: { type: 'error_rate', window: '5m', threshold: 0.1 },
    });
    expect(obs).toEqual({ cart: { kind: 'no_data' } });
  });

  it('latency quantile and request rate', async () => {
    const slow = await evaluate({
      scope: { service: '{cart,payments}' },
      signal: { type: 'latency', quantile: 0.99, window: '5m', threshold: 100 },
    });
    expect(slow.cart).toMatchObject({ active: true });
    expect(slow.payments).toMatchObject({ active: false });
    const rate = await evaluate({
      scope: { service: 'payments' },
      signal: { type: 'request_rate', window: '5m', op: '<', threshold: 1 },
    });
    expect(rate.payments).toEqual({ kind: 'value', value: 200 / 300, threshold: 1, active: true });
  });

  it('burn rate fires only when both windows of a pair burn fast', async () => {
    const obs = await evaluate({
      scope: { service: '{payments,ledger}' },
      signal: { type: 'burn_rate', slo: 0.99 },
    });
    // payments burns 20× its budget over 1 h and over 5 m: above 14.4× in both
    expect(obs.payments).toMatchObject({ active: true, threshold: 14.4 });
    expect((obs.payments as { value: number }).value).toBeCloseTo(20, 6);
    // ledger burns 50× over the last minutes but under 1× over the hour: no page
    expect(obs.ledger).toMatchObject({ active: false });
    expect((obs.ledger as { value: number }).value).toBeCloseTo(50 / 10_100 / 0.01, 6);
  });

  it('edges and operations are instances of their own', async () => {
    const edges = await evaluate({
      scope: { edge: { source: 'cart', destination: '*' } },
      signal: { type: 'error_rate', window: '5m', threshold: 0.3 },
    });
    expect(Object.keys(edges).sort()).toEqual(['cart→ledger', 'cart→payments']);
    expect(edges['cart→ledger']).toMatchObject({ value: 0.5, active: true });
    expect(edges['cart→payments']).toMatchObject({ value: 0.2, active: false });
    const ops = await evaluate({
      scope: { service: 'orders', operation: 'GET /orders/*' },
      signal: { type: 'error_rate', window: '20m', threshold: 0.01 },
    });
    expect(ops).toEqual({
      'orders→GET /orders/{id}': {
        kind: 'value',
        value: SDK_FAILED / SDK_TRACES,
        threshold: 0.01,
        active: true,
      },
    });
  });
});
