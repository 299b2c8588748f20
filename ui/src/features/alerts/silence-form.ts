import { durationMs, type Matcher } from '@meshscope/query/api';

/**
 * The silence form: matchers written as Alertmanager shows them (`alertname="HighErrors", service=~"pay-.*"`),
 * a start (blank: now) and a duration.
 */

const EQUAL = { isRegex: false, isEqual: true };
const OPS: Record<string, Pick<Matcher, 'isRegex' | 'isEqual'>> = {
  '=': EQUAL,
  '!=': { isRegex: false, isEqual: false },
  '=~': { isRegex: true, isEqual: true },
  '!~': { isRegex: true, isEqual: false },
};

const MATCHER_RE =
  /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s"]*))\s*(?:,|$)/;

export type MatchersResult = { ok: true; matchers: Matcher[] } | { ok: false; error: string };

export function parseMatchers(text: string): MatchersResult {
  const matchers: Matcher[] = [];
  let rest = text.trim().replace(/^\{(.*)\}$/s, '$1');
  while (rest.trim() !== '') {
    const m = MATCHER_RE.exec(rest);
    if (!m) return { ok: false, error: `cannot read "${rest.trim()}": write name="value", name=~"regex"` };
    const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[4] ?? '');
    matchers.push({ name: m[1] ?? '', value, ...(OPS[m[2] ?? '='] ?? EQUAL) });
    rest = rest.slice(m[0].length);
  }
  if (matchers.length === 0)
    return { ok: false, error: 'give at least one matcher, e.g. alertname="HighErrors"' };
  return { ok: true, matchers };
}

const opOf = (m: Matcher): string => (m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=');

export function formatMatchers(matchers: readonly Matcher[]): string {
  return matchers.map((m) => `${m.name}${opOf(m)}"${m.value.replace(/["\\]/g, '\\$&')}"`).join(', ');
}

/** Matchers that pick exactly one instance: equality on each identity label. */
export function matchersForLabels(labels: Record<string, string>): string {
  return formatMatchers(
    Object.entries(labels).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })),
  );
}

export interface SilenceForm {
  matchers: string;
  /** `datetime-local` value; empty: now */
  startsAt: string;
  /** Prometheus duration, e.g. 2h */
  duration: string;
  createdBy: string;
  comment: string;
}

export type SilenceField = keyof SilenceForm;

export type SilenceFormResult =
  | {
      ok: true;
      silence: {
        matchers: Matcher[];
        startsAtMs?: number;
        endsAtMs: number;
        createdBy: string;
        comment: string;
      };
    }
  | { ok: false; errors: Partial<Record<SilenceField, string>> };

export function silenceFromForm(form: SilenceForm, nowMs: number): SilenceFormResult {
  const errors: Partial<Record<SilenceField, string>> = {};
  const matchers = parseMatchers(form.matchers);
  if (!matchers.ok) errors.matchers = matchers.error;
  let startsAtMs: number | undefined;
  if (form.startsAt.trim() !== '') {
    startsAtMs = new Date(form.startsAt).getTime();
    if (!Number.isFinite(startsAtMs)) errors.startsAt = 'not a date and time';
  }
  const lengthMs = /^(?:\d+(?:ms|s|m|h|d|w))+$/.test(form.duration.trim())
    ? durationMs(form.duration.trim())
    : 0;
  if (lengthMs <= 0) errors.duration = 'a duration such as 30m, 2h or 1d';
  if (!matchers.ok || Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    silence: {
      matchers: matchers.matchers,
      ...(startsAtMs !== undefined ? { startsAtMs } : {}),
      endsAtMs: (startsAtMs ?? nowMs) + lengthMs,
      createdBy: form.createdBy.trim(),
      comment: form.comment.trim(),
    },
  };
}

/** The API's silence errors (`matchers[0].value`, `endsAtMs`) on the form's fields. */
export function silenceFieldOf(parameter: string | undefined): SilenceField | null {
  if (!parameter) return null;
  if (parameter.startsWith('matchers')) return 'matchers';
  if (parameter.startsWith('startsAtMs')) return 'startsAt';
  if (parameter.startsWith('endsAtMs')) return 'duration';
  if (parameter.startsWith('createdBy')) return 'createdBy';
  if (parameter.startsWith('comment')) return 'comment';
  return null;
}
