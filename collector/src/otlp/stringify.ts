/**
 * Attribute values are stored as strings, spelled exactly as the OpenTelemetry Collector's pdata
 * `Value.AsString()` spells them, so rows written by meshscope and by an OpenTelemetry Collector's
 * clickhouseexporter compare equal:
 *   string as is · bool `true`/`false` · int decimal · double like Go's JSON numbers · bytes base64 ·
 *   arrays and kvlists as JSON (`json.Marshal` of `AsRaw()`: map keys sorted, bytes base64, empty → null).
 */

/**
 * pdata `float64AsString`: shortest round-trip digits, fixed notation for 1e-6 <= |f| < 1e21 and exponent
 * notation outside (ES6 number-to-string rules, which Go's encoding/json copied). JavaScript's
 * `String(f)` follows the same rules, except that Go keeps the sign of negative zero.
 */
export function formatDouble(f: number): string {
  if (Number.isFinite(f)) return f === 0 && 1 / f < 0 ? '-0' : String(f);
  return `json: unsupported value: ${Number.isNaN(f) ? 'NaN' : f > 0 ? '+Inf' : '-Inf'}`;
}

/** A double inside an array or kvlist; null when Go's json.Marshal fails (NaN, ±Inf), which blanks the whole value. */
export function jsonDouble(f: number): string | null {
  return Number.isFinite(f) ? formatDouble(f) : null;
}

const LINE_SEPARATORS = /[\u2028\u2029]/g;

/** Go's encoding/json escapes U+2028 and U+2029 even with HTML escaping off; JSON.stringify does not. */
export function jsonString(s: string): string {
  const quoted = JSON.stringify(s);
  return LINE_SEPARATORS.test(quoted)
    ? quoted.replace(LINE_SEPARATORS, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'))
    : quoted;
}

/** JSON array of already-encoded elements; null if any element could not be encoded. */
export function jsonArray(items: readonly (string | null)[]): string | null {
  for (const item of items) if (item === null) return null;
  return `[${items.join(',')}]`;
}

/** JSON object with keys sorted (Go marshals maps in key order); a repeated key keeps its last value. */
export function jsonObject(entries: ReadonlyMap<string, string | null>): string | null {
  const keys = [...entries.keys()].sort();
  const parts: string[] = [];
  for (const key of keys) {
    const value = entries.get(key);
    if (value === null || value === undefined) return null;
    parts.push(`${jsonString(key)}:${value}`);
  }
  return `{${parts.join(',')}}`;
}

/** Attribute maps are plain objects; `__proto__` must be defined, not assigned, to be kept as a key. */
export function setAttribute(map: Record<string, string>, key: string, value: string): void {
  if (key === '__proto__') {
    Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    map[key] = value;
  }
}

/** Nesting limit for arrays and kvlists inside attribute values: deeper input is refused as malformed. */
export const MAX_VALUE_DEPTH = 32;
