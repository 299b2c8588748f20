import { describe, expect, it } from 'vitest';
import {
  formatMatchers,
  matchersForLabels,
  parseMatchers,
  silenceFromForm,
} from '../../../src/features/alerts/silence-form';

describe('silence form', () => {
  it('reads matchers as Alertmanager writes them', () => {
    expect(parseMatchers('{alertname="High, errors", service=~"pay-.*", env!=dev, team!~"a\\"b"}')).toEqual({
      ok: true,
      matchers: [
        { name: 'alertname', value: 'High, errors', isRegex: false, isEqual: true },
        { name: 'service', value: 'pay-.*', isRegex: true, isEqual: true },
        { name: 'env', value: 'dev', isRegex: false, isEqual: false },
        { name: 'team', value: 'a"b', isRegex: true, isEqual: false },
      ],
    });
    expect(parseMatchers('')).toMatchObject({ ok: false });
    expect(parseMatchers('service checkout')).toMatchObject({
      ok: false,
      error: expect.stringContaining('service checkout') as unknown,
    });
  });

  it('writes matchers back so they read the same', () => {
    const text = 'alertname="A\\"B", service=~"pay-.*"';
    const parsed = parseMatchers(text);
    expect(parsed.ok && formatMatchers(parsed.matchers)).toBe(text);
    expect(matchersForLabels({ alertname: 'CheckoutErrors', service: 'checkout' })).toBe(
      'alertname="CheckoutErrors", service="checkout"',
    );
  });

  it('ends a silence its duration after its start, now when no start is given', () => {
    const nowMs = Date.UTC(2026, 0, 1, 12);
    expect(
      silenceFromForm(
        { matchers: 'service="a"', startsAt: '', duration: '1h30m', createdBy: ' me ', comment: '' },
        nowMs,
      ),
    ).toEqual({
      ok: true,
      silence: {
        matchers: [{ name: 'service', value: 'a', isRegex: false, isEqual: true }],
        endsAtMs: nowMs + 90 * 60_000,
        createdBy: 'me',
        comment: '',
      },
    });
    const start = '2026-02-01T08:00';
    const later = silenceFromForm(
      { matchers: 'a="1"', startsAt: start, duration: '2h', createdBy: '', comment: '' },
      nowMs,
    );
    expect(later).toMatchObject({
      ok: true,
      silence: { startsAtMs: new Date(start).getTime(), endsAtMs: new Date(start).getTime() + 2 * 3_600_000 },
    });
    expect(
      silenceFromForm({ matchers: '', startsAt: 'x', duration: 'soon', createdBy: '', comment: '' }, nowMs),
    ).toEqual({
      ok: false,
      errors: {
        matchers: expect.any(String) as unknown,
        startsAt: 'not a date and time',
        duration: 'a duration such as 30m, 2h or 1d',
      },
    });
  });
});
