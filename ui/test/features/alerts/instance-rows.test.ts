import { describe, expect, it } from 'vitest';
import { alertRuleSchema, type AlertInstance, type ServiceSummary } from '@meshscope/query/api';
import { firingIndex } from '../../../src/features/alerts/firing';
import { matchesGlob } from '../../../src/features/alerts/glob';
import {
  formatSignalValue,
  instanceRows,
  previewWindowSec,
  ruleState,
} from '../../../src/features/alerts/instance-rows';

const service = (name: string, requests: number, errorRate: number): ServiceSummary => ({
  name,
  namespace: 'shop',
  versions: ['v1'],
  source: 'mesh',
  health: 'Healthy',
  saturation: { inflight: null, poolPending: null },
  requests,
  requestsPerSec: requests / 300,
  errorRate,
  clientErrorRate: 0,
  latencyMs: { p50: 10, p90: 20, p95: 30, p99: 40 },
});

const instance = (
  rule: string,
  labels: Record<string, string>,
  status: AlertInstance['status'],
): AlertInstance => ({
  rule,
  fingerprint: `${rule}-${Object.values(labels).join('-')}`,
  status,
  labels: { alertname: rule, ...labels, team: 'shop' },
  annotations: {},
  value: 0.3,
  threshold: 0.05,
  activeAtMs: 1000,
  firedAtMs: status === 'firing' ? 2000 : null,
  resolvedAtMs: null,
  silenced: false,
});

describe('a rule’s instances', () => {
  const rule = alertRuleSchema.parse({
    name: 'PayErrors',
    scope: { service: 'pay-*' },
    signal: { type: 'error_rate', window: '10m', threshold: 0.05 },
    minRequests: 20,
  });

  it('lists the evaluator’s instances first, then every other matching service at its current value', () => {
    const rows = instanceRows(
      rule,
      [
        instance('PayErrors', { service: 'pay-api' }, 'firing'),
        instance('Other', { service: 'pay-db' }, 'firing'),
      ],
      [
        service('pay-db', 100, 0.01),
        service('pay-api', 100, 0.3),
        service('web', 100, 0.5),
        service('pay-edge', 5, 0.9),
      ],
    );
    expect(rows.map((r) => [r.subject, r.state, r.value, r.threshold])).toEqual([
      ['pay-api', 'firing', 0.3, 0.05],
      ['pay-db', 'inactive', 0.01, 0.05],
      // fewer requests than minRequests: no data, as the evaluator counts it
      ['pay-edge', 'inactive', null, 0.05],
    ]);
    expect(rows[0]?.labels).toEqual({ alertname: 'PayErrors', service: 'pay-api' });
    expect(rows[1]?.fingerprint).toBeNull();
  });

  it('shows a named service without traffic as inactive with no data', () => {
    const one = alertRuleSchema.parse({ ...rule, scope: { service: 'checkout' } });
    expect(instanceRows(one, [], []).map((r) => [r.subject, r.state, r.value])).toEqual([
      ['checkout', 'inactive', null],
    ]);
  });

  it('previews burn rate over its first long window and sums rule state', () => {
    const burn = alertRuleSchema.parse({ name: 'B', signal: { type: 'burn_rate', slo: 0.99 } });
    expect(previewWindowSec(burn.signal)).toBe(3600);
    expect(instanceRows(burn, [], [service('a', 10, 0.05)])[0]?.value).toBeCloseTo(5);
    const instances = [instance('R', { service: 'a' }, 'pending'), instance('R', { service: 'b' }, 'firing')];
    expect(ruleState('R', instances)).toEqual({ state: 'firing', firing: 1, pending: 1 });
    expect(ruleState('S', instances).state).toBe('inactive');
  });

  it('formats values in the signal’s unit', () => {
    expect(formatSignalValue('error_rate', 0.1234)).toBe('12.3%');
    expect(formatSignalValue('latency', 250)).toBe('250ms');
    expect(formatSignalValue('request_rate', 1.5)).toBe('1.50 req/s');
    expect(formatSignalValue('burn_rate', 14.4)).toBe('14.4×');
    expect(formatSignalValue('error_rate', null)).toBe('no data');
  });
});

describe('firing badges', () => {
  it('counts firing instances per service, edges on their callee', () => {
    const index = firingIndex([
      instance('A', { service: 'pay' }, 'firing'),
      instance('B', { service: 'pay', operation: 'GET /' }, 'firing'),
      instance('C', { source: 'web', destination: 'pay' }, 'firing'),
      instance('D', { service: 'web' }, 'pending'),
    ]);
    expect([...index.services]).toEqual([['pay', 3]]);
    expect(index.total).toBe(3);
  });
});

describe('scope globs', () => {
  it('match as the evaluator’s picomatch does for names', () => {
    expect(matchesGlob('pay-*', 'pay-api')).toBe(true);
    expect(matchesGlob('pay-*', 'web')).toBe(false);
    expect(matchesGlob('{cart,checkout}', 'cart')).toBe(true);
    expect(matchesGlob('{cart,checkout}', 'carts')).toBe(false);
    expect(matchesGlob('svc-?', 'svc-1')).toBe(true);
    expect(matchesGlob('a.b', 'axb')).toBe(false);
    expect(matchesGlob('[ab]x', 'bx')).toBe(true);
    expect(matchesGlob(undefined, 'anything')).toBe(true);
  });
});
