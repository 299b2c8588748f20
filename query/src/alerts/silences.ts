import type { Matcher, Silence } from '../api/alerts.js';

/** Alertmanager's matching: `=`, `!=`, `=~`, `!~`, regexes anchored; a missing label is the empty string. */
export function matches(matcher: Matcher, labels: Readonly<Record<string, string>>): boolean {
  const value = labels[matcher.name] ?? '';
  let hit: boolean;
  if (matcher.isRegex) {
    try {
      hit = new RegExp(`^(?:${matcher.value})$`).test(value);
    } catch {
      hit = false;
    }
  } else hit = value === matcher.value;
  return matcher.isEqual ? hit : !hit;
}

export function isSilenced(
  silences: readonly Silence[],
  labels: Readonly<Record<string, string>>,
  nowMs: number,
): boolean {
  return silences.some(
    (s) => s.startsAtMs <= nowMs && nowMs < s.endsAtMs && s.matchers.every((m) => matches(m, labels)),
  );
}

/** A matcher's regex must compile, so a silence never fails silently. */
export function invalidMatcher(matchers: readonly Matcher[]): { index: number; message: string } | undefined {
  for (const [index, m] of matchers.entries()) {
    if (!m.isRegex) continue;
    try {
      new RegExp(m.value);
    } catch (err) {
      return { index, message: (err as Error).message };
    }
  }
  return undefined;
}
