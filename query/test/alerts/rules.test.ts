import { describe, expect, it } from 'vitest';
import { parseRule, parseRulesFile, RuleValidationError } from '../../src/alerts/rules.js';
import { compileScope } from '../../src/alerts/scope.js';
import { formatValue, renderAll } from '../../src/alerts/templates.js';
import { durationMs } from '../../src/api/alerts.js';

const FILE = `
rules:
  - name: HighErrorRate
    scope: { service: "pay-*" }
    signal: { type: error_rate, window: 5m, threshold: 0.05 }
    for: 1m
    minRequests: 20
    labels: { severity: page }
    annotations:
      summary: "{{service}} fails {{value}} of requests (over {{ threshold }})"
  - name: SlowCheckout
    scope: { service: checkout, operation: "POST /checkout" }
    signal: { type: latency, quantile: 0.99, window: 10m, op: ">=", threshold: 500 }
  - name: CartToPayments
    scope: { edge: { source: cart, destination: payments } }
    signal: { type: burn_rate, slo: 0.999 }
`;

function failure(fn: () => unknown): RuleValidationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RuleValidationError) return err;
    throw err;
  }
  throw new Error('expected a validation error');
}

describe('alert rules', () => {
  it('load from YAML with Prometheus defaults', () => {
    const [errors, slow, burn] = parseRulesFile(FILE, 'rules.yaml');
    expect(errors).toMatchObject({ name: 'HighErrorRate', for: '1m', keepFiringFor: '0s', noData: 'ok' });
    expect(errors?.signal).toEqual({ type: 'error_rate', window: '5m', op: '>', threshold: 0.05 });
    expect(slow?.signal).toMatchObject({ type: 'latency', quantile: 0.99, op: '>=' });
    expect(burn?.signal).toEqual({ type: 'burn_rate', slo: 0.999, severity: 'page' });
    expect(durationMs('1h30m')).toBe(5_400_000);
  });

  it('name the bad field, in the file and in one rule', () => {
    const bad = FILE.replace('threshold: 0.05', 'threshold: 5');
    const err = failure(() => parseRulesFile(bad, 'rules.yaml'));
    expect(err.field).toBe('rules[0].signal.threshold');
    expect(err.message).toMatch(/^rules\.yaml: rules\[0\]\.signal\.threshold: /);

    expect(
      failure(() => parseRule({ name: 'x', signal: { type: 'latency', window: '5m', threshold: 1 } })).field,
    ).toBe('signal.quantile');
    expect(
      failure(() => parseRule({ name: 'x', signal: { type: 'error_rate', window: '10s', threshold: 0.1 } }))
        .message,
    ).toContain('signal.window: must be between 1m and 30d');
    expect(
      failure(() =>
        parseRule({ name: 'x', for: 'soon', signal: { type: 'request_rate', window: '5m', threshold: 1 } }),
      ).field,
    ).toBe('for');
    const template = failure(() =>
      parseRule({
        name: 'x',
        signal: { type: 'request_rate', window: '5m', threshold: 1 },
        annotations: { summary: '{{servce}} is quiet' },
      }),
    );
    expect(template.field).toBe('annotations.summary');
    expect(template.message).toContain('unknown template variable {{servce}}');
    const edge = failure(() =>
      parseRule({
        name: 'x',
        scope: { service: 'a', edge: { source: 'a', destination: 'b' } },
        signal: { type: 'request_rate', window: '5m', threshold: 1 },
      }),
    );
    expect(edge.field).toBe('scope.edge');
    expect(
      failure(() =>
        parseRulesFile(`${FILE}\n  - name: HighErrorRate\n    signal: { type: burn_rate, slo: 0.99 }\n`, 'f'),
      ).field,
    ).toBe('rules[3].name');
    expect(failure(() => parseRulesFile('rules: [', 'f')).message).toContain('f is not valid YAML');
  });

  it('match services by name or glob, operations and edges', () => {
    const all = compileScope({});
    expect(all.kind).toBe('service');
    expect(all.service('anything')).toBe(true);
    const pay = compileScope({ service: 'pay-*' });
    expect([pay.service('pay-eu'), pay.service('payments'), pay.service('xpay-1')]).toEqual([
      true,
      false,
      false,
    ]);
    const exact = compileScope({ service: 'checkout' });
    expect(exact.fixedServices).toEqual(['checkout']);
    expect(exact.service('checkout-v2')).toBe(false);
    const op = compileScope({ service: '{cart,checkout}', operation: 'GET /*' });
    expect(op.kind).toBe('operation');
    expect([op.service('cart'), op.operation('GET /items'), op.operation('POST /items')]).toEqual([
      true,
      true,
      false,
    ]);
    const edge = compileScope({ edge: { source: 'cart', destination: '*' } });
    expect([edge.kind, edge.source('cart'), edge.source('web'), edge.destination('db')]).toEqual([
      'edge',
      true,
      false,
      true,
    ]);
  });

  it('render {{service}}, {{value}} and {{threshold}} into labels and annotations', () => {
    const out = renderAll(
      { summary: '{{service}} fails {{value}} > {{ threshold }}', team: '{{ $labels.service }}-oncall' },
      { service: 'payments', value: formatValue(0.123456), threshold: formatValue(0.05) },
    );
    expect(out).toEqual({ summary: 'payments fails 0.1235 > 0.05', team: 'payments-oncall' });
    expect(formatValue(1234.5678)).toBe('1234.57');
    expect(formatValue(null)).toBe('no data');
  });
});
