/**
 * Go durations as the Jaeger API takes them for minDuration/maxDuration (`100ms`, `1.5s`, `1m30s`, `250us`).
 * The UI checks them before sending, so a typo is reported next to the field rather than as a 400.
 */

const UNIT_US: Record<string, number> = {
  ns: 0.001,
  us: 1,
  µs: 1,
  μs: 1,
  ms: 1000,
  s: 1_000_000,
  m: 60_000_000,
  h: 3_600_000_000,
};

/** Duration text → µs; null when it is not a Go duration. */
export function parseGoDuration(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  if (trimmed === '0') return 0;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let totalUs = 0;
  let consumed = 0;
  for (let guard = 0; guard < 16 && consumed < trimmed.length; guard++) {
    part.lastIndex = consumed;
    const match = part.exec(trimmed);
    if (!match) return null;
    totalUs += Number(match[1]) * (UNIT_US[match[2] ?? ''] ?? Number.NaN);
    consumed = part.lastIndex;
  }
  return consumed === trimmed.length && Number.isFinite(totalUs) ? totalUs : null;
}
