import { describe, expect, it } from 'vitest';
import { alertRuleSchema } from '@meshscope/query/api';
import {
  apiErrorsToFields,
  EMPTY_RULE_FORM,
  fieldOfParameter,
  formToRule,
  ruleToForm,
} from '../../../src/features/alerts/rule-form';

describe('rule form ↔ rule', () => {
  it('turns an error-rate form in percent into the API ratio, and back', () => {
    const result = formToRule({
      ...EMPTY_RULE_FORM,
      name: 'CheckoutErrors',
      service: 'checkout',
      threshold: '7',
      labels: 'team=shop\nseverity = page',
      annotations: 'summary={{service}} fails {{value}}',
    });
    expect(result).toEqual({
      ok: true,
      rule: {
        name: 'CheckoutErrors',
        scope: { service: 'checkout' },
        signal: { type: 'error_rate', window: '5m', op: '>', threshold: 0.07 },
        minRequests: 0,
        for: '1m',
        keepFiringFor: '0s',
        noData: 'ok',
        labels: { team: 'shop', severity: 'page' },
        annotations: { summary: '{{service}} fails {{value}}' },
      },
    });
    if (!result.ok) return;
    const back = ruleToForm(alertRuleSchema.parse(result.rule));
    expect(back.threshold).toBe('7');
    expect(back.labels).toBe('team=shop\nseverity=page');
    expect(formToRule(back)).toEqual(result);
  });

  it('round-trips latency, edge, operation and burn-rate rules the API accepts', () => {
    const rules = [
      {
        name: 'SlowReviews',
        scope: { service: 'reviews', operation: 'GET /*' },
        signal: { type: 'latency', quantile: 0.95, window: '10m', op: '>=', threshold: 250 },
        for: '5m',
        receivers: ['ops', 'slack'],
      },
      {
        name: 'EdgeDown',
        scope: { edge: { source: 'web', destination: 'pay-*' } },
        signal: { type: 'request_rate', window: '5m', op: '<', threshold: 0.5 },
        noData: 'alerting',
        minRequests: 10,
      },
      {
        name: 'Budget',
        signal: {
          type: 'burn_rate',
          slo: 0.999,
          severity: 'ticket',
          windows: [{ long: '1h', short: '5m', factor: 10 }],
        },
        keepFiringFor: '10m',
      },
    ].map((r) => alertRuleSchema.parse(r));
    for (const rule of rules) {
      const result = formToRule(ruleToForm(rule));
      expect(result.ok, rule.name).toBe(true);
      if (result.ok) expect(alertRuleSchema.parse(result.rule), rule.name).toEqual(rule);
    }
  });

  it('names the field it cannot read, before asking the API', () => {
    expect(formToRule({ ...EMPTY_RULE_FORM, threshold: 'lots', labels: 'team' })).toEqual({
      ok: false,
      errors: { threshold: 'must be a number', labels: 'line 1: write name=value' },
    });
    expect(formToRule({ ...EMPTY_RULE_FORM, threshold: '' })).toMatchObject({ ok: false });
  });

  it('puts each field of the API rejection beside its input', () => {
    expect(
      apiErrorsToFields(
        'invalid alert rule: signal.threshold: Too big: expected number to be <=1; for: must be a duration such as 30s; labels.bad-name: label names are [a-zA-Z_][a-zA-Z0-9_]*',
        'signal.threshold',
      ),
    ).toEqual({
      fields: {
        threshold: 'Too big: expected number to be <=1',
        for: 'must be a duration such as 30s',
        labels: 'label names are [a-zA-Z_][a-zA-Z0-9_]*',
      },
      form: null,
    });
    expect(apiErrorsToFields('an alert rule named "X" already exists', 'name')).toEqual({
      fields: { name: 'an alert rule named "X" already exists' },
      form: null,
    });
    expect(apiErrorsToFields('admin token required', undefined)).toEqual({
      fields: {},
      form: 'admin token required',
    });
  });

  it('maps API parameter paths onto form fields', () => {
    expect(fieldOfParameter('scope.edge')).toBe('source');
    expect(fieldOfParameter('scope.edge.destination')).toBe('destination');
    expect(fieldOfParameter('signal')).toBe('signalType');
    expect(fieldOfParameter('signal.windows[0].factor')).toBe('slo');
    expect(fieldOfParameter('annotations.summary')).toBe('annotations');
    expect(fieldOfParameter('nonsense')).toBeNull();
  });
});
