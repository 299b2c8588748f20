/**
 * Trace context propagation: W3C traceparent/tracestate and Zipkin B3 (single and multi header), with the
 * validation rules of both specifications (REFERENCE §4). Anything invalid is ignored: the request
 * starts a new trace rather than joining a corrupt one.
 */

export type ContextFormat = 'w3c' | 'b3-single' | 'b3-multi';

export interface RemoteContext {
  traceId: string;
  spanId: string;
  sampled: boolean;
  /** validated tracestate, passed through unchanged (the agent adds no vendor entry) */
  traceState: string | undefined;
  format: ContextFormat;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const ZERO32 = '00000000000000000000000000000000';
const ZERO16 = '0000000000000000';

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** W3C trace-context level 1 parsing, including the forward-compatibility rule for versions above 00. */
export function parseTraceparent(
  value: string,
): { traceId: string; spanId: string; flags: number } | undefined {
  const v = value.trim();
  if (v.length < 55) return undefined;
  const version = v.slice(0, 2);
  if (!/^[0-9a-f]{2}$/.test(version) || version === 'ff') return undefined;
  if (version === '00' ? v.length !== 55 : v.length > 55 && v[55] !== '-') return undefined;
  if (v[2] !== '-' || v[35] !== '-' || v[52] !== '-') return undefined;
  const traceId = v.slice(3, 35);
  const spanId = v.slice(36, 52);
  const flags = v.slice(53, 55);
  if (!HEX32.test(traceId) || traceId === ZERO32) return undefined;
  if (!HEX16.test(spanId) || spanId === ZERO16) return undefined;
  if (!/^[0-9a-f]{2}$/.test(flags)) return undefined;
  return { traceId, spanId, flags: parseInt(flags, 16) };
}

const TS_KEY = /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})$/;
const TS_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
const MAX_TRACESTATE_MEMBERS = 32;

/** Validates tracestate; returns it normalised (≤ 32 members) or undefined when malformed. */
export function parseTracestate(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const joined = Array.isArray(value) ? value.join(',') : value;
  const members: string[] = [];
  const keys = new Set<string>();
  for (const raw of joined.split(',')) {
    const m = raw.trim();
    if (!m) continue;
    const eq = m.indexOf('=');
    if (eq <= 0) return undefined;
    const key = m.slice(0, eq);
    if (!TS_KEY.test(key) || !TS_VALUE.test(m.slice(eq + 1)) || keys.has(key)) return undefined;
    keys.add(key);
    members.push(m);
  }
  if (members.length === 0) return undefined;
  // Over the limit, keep the leftmost (most recently updated) members.
  return members.slice(0, MAX_TRACESTATE_MEMBERS).join(',');
}

function normaliseB3TraceId(id: string): string | undefined {
  const lower = id.toLowerCase();
  if (lower.length === 16 && HEX16.test(lower) && lower !== ZERO16) return `0000000000000000${lower}`;
  if (lower.length === 32 && HEX32.test(lower) && lower !== ZERO32) return lower;
  return undefined;
}

function b3SpanId(id: string): string | undefined {
  const lower = id.toLowerCase();
  return HEX16.test(lower) && lower !== ZERO16 ? lower : undefined;
}

/** `b3: {trace}-{span}[-{1|0|d}[-{parent}]]`; a lone `0` means "do not sample" without ids. */
export function parseB3Single(value: string): RemoteContext | 'deny' | undefined {
  const v = value.trim();
  if (v === '0') return 'deny';
  const parts = v.split('-');
  if (parts.length < 2 || parts.length > 4) return undefined;
  const traceId = normaliseB3TraceId(parts[0] ?? '');
  const spanId = b3SpanId(parts[1] ?? '');
  if (!traceId || !spanId) return undefined;
  const s = parts[2];
  if (s !== undefined && s !== '1' && s !== '0' && s !== 'd') return undefined;
  if (parts[3] !== undefined && !b3SpanId(parts[3])) return undefined;
  return { traceId, spanId, sampled: s !== '0', traceState: undefined, format: 'b3-single' };
}

export function parseB3Multi(headers: Headers): RemoteContext | 'deny' | undefined {
  const t = first(headers['x-b3-traceid']);
  const s = first(headers['x-b3-spanid']);
  const sampledHeader = first(headers['x-b3-sampled']);
  const debug = first(headers['x-b3-flags']) === '1';
  if (t === undefined || s === undefined) return sampledHeader === '0' ? 'deny' : undefined;
  const traceId = normaliseB3TraceId(t);
  const spanId = b3SpanId(s);
  if (!traceId || !spanId) return undefined;
  // B3 multi accepts `true`/`false` from old tracers alongside 1/0.
  const sampled = debug || !(sampledHeader === '0' || sampledHeader === 'false');
  return { traceId, spanId, sampled, traceState: undefined, format: 'b3-multi' };
}

/**
 * The incoming context: a valid traceparent first (tracestate only alongside it), then B3 single, then
 * B3 multi. `'deny'` = B3 asked not to sample and carried no ids.
 */
export function extractContext(headers: Headers): RemoteContext | 'deny' | undefined {
  const tp = first(headers.traceparent);
  if (tp !== undefined) {
    const parsed = parseTraceparent(tp);
    if (parsed) {
      return {
        traceId: parsed.traceId,
        spanId: parsed.spanId,
        sampled: (parsed.flags & 1) === 1,
        traceState: parseTracestate(headers.tracestate),
        format: 'w3c',
      };
    }
  }
  const b3 = first(headers.b3);
  if (b3 !== undefined) {
    const single = parseB3Single(b3);
    if (single) return single;
  }
  return parseB3Multi(headers);
}

/** Which B3 style the request carried, if any: the agent answers in the same style (plus W3C). */
export function b3Style(headers: Headers): 'b3-single' | 'b3-multi' | undefined {
  if (headers.b3 !== undefined) return 'b3-single';
  if (headers['x-b3-traceid'] !== undefined || headers['x-b3-sampled'] !== undefined) return 'b3-multi';
  return undefined;
}

export function formatTraceparent(traceId: string, spanId: string, sampled: boolean): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

/** Headers carrying trace context that the agent rewrites on every hop. */
export const CONTEXT_HEADERS: ReadonlySet<string> = new Set([
  'traceparent',
  'tracestate',
  'b3',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
]);

/**
 * Appends the outgoing context to a raw header list: always W3C (tracestate unchanged), and B3 in the
 * format the request arrived with, so apps that only forward B3 keep the trace together.
 */
export function injectContext(
  out: string[],
  traceId: string,
  spanId: string,
  parentSpanId: string | undefined,
  sampled: boolean,
  traceState: string | undefined,
  b3: ContextFormat | undefined,
): void {
  out.push('traceparent', formatTraceparent(traceId, spanId, sampled));
  if (traceState) out.push('tracestate', traceState);
  if (b3 === 'b3-single') {
    out.push('b3', `${traceId}-${spanId}-${sampled ? '1' : '0'}${parentSpanId ? `-${parentSpanId}` : ''}`);
  } else if (b3 === 'b3-multi') {
    out.push('x-b3-traceid', traceId, 'x-b3-spanid', spanId, 'x-b3-sampled', sampled ? '1' : '0');
    if (parentSpanId) out.push('x-b3-parentspanid', parentSpanId);
  }
}
