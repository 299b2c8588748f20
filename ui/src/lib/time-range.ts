/**
 * Time ranges as they appear in the URL: a lookback (`range=1h`, ending now) or an absolute window
 * (`start` and `end`, unix seconds). The API wants unix seconds; a lookback is resolved against a clock the
 * caller passes, so auto-refresh can move the window by re-resolving with a newer "now".
 */

export type TimeRange =
  | { kind: 'lookback'; text: string; lookbackSec: number }
  | { kind: 'absolute'; startSec: number; endSec: number };

export interface TimeWindow {
  startSec: number;
  endSec: number;
}

const UNIT_SEC: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** `90s`, `15m`, `1h`, `2d`, `1w` → seconds; null for anything else (no zero, no mixed units). */
export function parseLookback(text: string): number | null {
  const match = /^(\d{1,6})([smhdw])$/.exec(text.trim());
  if (!match) return null;
  const value = Number(match[1]);
  const unit = UNIT_SEC[match[2] ?? ''];
  return value > 0 && unit !== undefined ? value * unit : null;
}

export const DEFAULT_RANGE: TimeRange = { kind: 'lookback', text: '1h', lookbackSec: 3600 };

export const LOOKBACK_CHOICES = ['5m', '15m', '30m', '1h', '3h', '6h', '12h', '1d', '2d', '7d'] as const;

function parseUnixSeconds(text: string | null): number | null {
  if (text === null || !/^\d{1,11}(\.\d+)?$/.test(text)) return null;
  return Number(text);
}

/** Reads `range`, or `start` + `end`; falls back to the last hour when they are missing or malformed. */
export function parseTimeRange(params: URLSearchParams): TimeRange {
  const startSec = parseUnixSeconds(params.get('start'));
  const endSec = parseUnixSeconds(params.get('end'));
  if (startSec !== null && endSec !== null && startSec < endSec) {
    return { kind: 'absolute', startSec, endSec };
  }
  const text = params.get('range');
  const lookbackSec = text === null ? null : parseLookback(text);
  return text !== null && lookbackSec !== null ? { kind: 'lookback', text, lookbackSec } : DEFAULT_RANGE;
}

/** The URL parameters that encode a range (the others are cleared by the caller). */
export function timeRangeParams(range: TimeRange): Record<'range' | 'start' | 'end', string | null> {
  return range.kind === 'lookback'
    ? { range: range.text, start: null, end: null }
    : { range: null, start: String(range.startSec), end: String(range.endSec) };
}

/**
 * The window for a range at `nowSec`. "Now" is floored to `alignSec` so that renders within the same few
 * seconds ask for the same window and share the cache.
 */
export function resolveWindow(range: TimeRange, nowSec: number, alignSec = 10): TimeWindow {
  if (range.kind === 'absolute') return { startSec: range.startSec, endSec: range.endSec };
  const endSec = Math.floor(nowSec / alignSec) * alignSec;
  return { startSec: endSec - range.lookbackSec, endSec };
}

/** A bucket width giving about `points` points, in whole minutes (the rollups' resolution). */
export function stepFor(window: TimeWindow, points = 60): number {
  const span = Math.max(60, window.endSec - window.startSec);
  return Math.max(60, Math.ceil(span / points / 60) * 60);
}

/** `1h` → "Last 1h"; an absolute window → its two ends in local time. */
export function describeRange(range: TimeRange): string {
  if (range.kind === 'lookback') return `Last ${range.text}`;
  const fmt = (sec: number): string => new Date(sec * 1000).toLocaleString();
  return `${fmt(range.startSec)} – ${fmt(range.endSec)}`;
}

export const REFRESH_CHOICES = ['off', '10s', '15s', '30s', '1m', '5m'] as const;

/**
 * The auto-refresh a page starts with when the URL names none. Mesh views refresh every 15 s, Kiali's
 * default: a graph opened before the first minute of traffic was stored fills in by itself instead of
 * staying on "No traffic". Trace search does not refresh (Jaeger's search does not either).
 */
export const MESH_REFRESH_DEFAULT = '15s';

/**
 * `refresh=30s` → 30 000 ms; `off` or malformed → false (TanStack Query's "no interval"); missing → the
 * page's default.
 */
export function parseRefresh(text: string | null, fallback = 'off'): number | false {
  const chosen = text ?? fallback;
  if (chosen === 'off') return false;
  const sec = parseLookback(chosen);
  return sec === null ? false : sec * 1000;
}
