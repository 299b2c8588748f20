import type { IncomingHttpHeaders } from 'node:http';

/**
 * The headers object node:http gives (lower-case names; repeated headers joined with ', ', set-cookie as
 * an array) from a raw [name, value, …] list. A plain object kept in V8's fast mode (an object without a
 * prototype is a hash table, twice the garbage per request), with own-property checks so that a header
 * named `constructor` or `__proto__` is just a header.
 */
export function headersObject(raw: readonly string[]): IncomingHttpHeaders {
  const obj: IncomingHttpHeaders = {};
  for (let i = 0; i < raw.length; i += 2) {
    const lower = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    const prev = Object.hasOwn(obj, lower) ? obj[lower] : undefined;
    if (prev === undefined) {
      const v = lower === 'set-cookie' ? [value] : value;
      if (lower === '__proto__')
        Object.defineProperty(obj, lower, { value: v, enumerable: true, writable: true, configurable: true });
      else obj[lower] = v;
    } else if (Array.isArray(prev)) prev.push(value);
    else obj[lower] = `${prev}, ${value}`;
  }
  return obj;
}
