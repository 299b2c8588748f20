import { z } from 'zod';

const UNIT_MS: Readonly<Record<string, number>> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 0.001,
  µs: 0.001,
  ns: 0.000_001,
};

const DURATION_RE = /^(\d+(?:\.\d+)?)(h|m|s|ms|us|µs|ns)$/;

/** Parses an Istio (protobuf JSON) duration such as `1.5s`, `250ms` or `1m`; undefined when malformed. */
export function parseDurationMs(text: string): number | undefined {
  const m = DURATION_RE.exec(text.trim());
  if (!m) return undefined;
  const unit = UNIT_MS[m[2] ?? ''];
  return unit === undefined ? undefined : Number(m[1]) * unit;
}

/** A duration field: a string like `2s` / `100ms`, turned into milliseconds. */
export const durationMs = z.string().transform((text, ctx) => {
  const ms = parseDurationMs(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration (use e.g. 2s, 500ms, 1m)` });
    return z.NEVER;
  }
  return ms;
});
