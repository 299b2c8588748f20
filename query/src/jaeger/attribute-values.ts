/**
 * `otel_traces` keeps every attribute value as a string (the exporter's `AsString()`), so the type an SDK
 * gave a value is gone. Jaeger's JSON and OTLP JSON are typed, and UIs treat types differently (Jaeger UI
 * colours `error=true` only when it is a bool, sorts numbers numerically), so the type is inferred back from
 * the text: the exact spellings Go's formatter produces for bools, integers and floats come back as those
 * types, everything else stays a string. The loss is one-way and known: a string attribute that happens to
 * read "42" comes back as a number, and a float with an integral value ("100") as an integer.
 */

export type InferredValue =
  | { type: 'bool'; value: boolean }
  /** `value` is canonical decimal text within int64, so callers choose number or string without rounding */
  | { type: 'int64'; value: string }
  | { type: 'float64'; value: number }
  | { type: 'string'; value: string };

const INTEGER = /^(?:0|-?[1-9]\d*)$/;
const DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function inferAttributeValue(text: string): InferredValue {
  if (text === 'true') return { type: 'bool', value: true };
  if (text === 'false') return { type: 'bool', value: false };
  if (INTEGER.test(text)) {
    // Short texts cannot leave int64; only 19+ digits need the exact check.
    if (text.length < 19) return { type: 'int64', value: text };
    const big = BigInt(text);
    return big >= INT64_MIN && big <= INT64_MAX
      ? { type: 'int64', value: text }
      : { type: 'string', value: text };
  }
  if (DECIMAL.test(text)) {
    const value = Number(text);
    if (Number.isFinite(value)) return { type: 'float64', value };
  }
  return { type: 'string', value: text };
}

/** An int64's decimal text as a JSON number when JavaScript can hold it exactly, else the text itself. */
export function int64JsonValue(text: string): number | string {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : text;
}

/** Keys in code-unit order, as Jaeger's `SortCollections` adjuster orders attributes before conversion. */
export function sortedEntries(map: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
