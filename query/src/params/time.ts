import type { SpanKindName } from '@meshscope/collector';
import { ParamError, quoteValue } from './errors.js';

/**
 * Scalar parameters of the Jaeger APIs: epoch times in µs (`start`, `end`) or ms (`endTs`), ms durations
 * (`lookback`, `step`, `ratePer`), RFC 3339 times (api_v3), `limit`, booleans and span kinds. Each parser takes
 * the raw query-string value and returns `undefined` for an absent or empty one, so callers apply defaults;
 * anything else that does not parse is a `ParamError` naming the parameter.
 */

const SIGNED_INTEGER = /^[+-]?\d+$/;

function integerParam(param: string, raw: string, what: string, example: string): number {
  if (!SIGNED_INTEGER.test(raw)) {
    throw new ParamError(param, `${quoteValue(raw)} is not ${what} (write an integer, e.g. ${example})`);
  }
  const value = Number(raw);
  if (!Number.isSafeInteger(value))
    throw new ParamError(param, `${quoteValue(raw)} is out of range for ${what}`);
  return value;
}

const present = (raw: string | undefined): raw is string => raw !== undefined && raw !== '';

/** Unix time in microseconds (`start`, `end` of `/api/traces`). */
export function parseUnixMicrosParam(param: string, raw: string | undefined): number | undefined {
  if (!present(raw)) return undefined;
  return integerParam(param, raw, 'a Unix time in microseconds', '1700000000000000');
}

/** Unix time in milliseconds (`endTs` of `/api/dependencies` and `/api/metrics/*`). */
export function parseUnixMillisParam(param: string, raw: string | undefined): number | undefined {
  if (!present(raw)) return undefined;
  return integerParam(param, raw, 'a Unix time in milliseconds', '1700000000000');
}

/** A duration in whole milliseconds, 0 or more (`lookback`, `step`, `ratePer`). */
export function parseMillisParam(param: string, raw: string | undefined): number | undefined {
  if (!present(raw)) return undefined;
  const value = integerParam(param, raw, 'a duration in milliseconds', '3600000 for one hour');
  if (value < 0) throw new ParamError(param, `${quoteValue(raw)} is negative; it must be 0 or more`);
  return value;
}

/** `limit`: a positive 32-bit integer, as Jaeger requires ("must be greater than 0"). */
export function parseLimitParam(param: string, raw: string | undefined): number | undefined {
  if (!present(raw)) return undefined;
  const value = integerParam(param, raw, 'a number of traces', '20');
  if (value <= 0) throw new ParamError(param, `${quoteValue(raw)} must be greater than 0`);
  if (value > 2 ** 31 - 1) throw new ParamError(param, `${quoteValue(raw)} is too large`);
  return value;
}

const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

/** Booleans as Go's `strconv.ParseBool` reads them (`groupByOperation`, `raw`, `prettyPrint`). */
export function parseBoolParam(param: string, raw: string | undefined): boolean | undefined {
  if (!present(raw)) return undefined;
  if (TRUE.has(raw)) return true;
  if (FALSE.has(raw)) return false;
  throw new ParamError(param, `${quoteValue(raw)} is not a boolean (write true or false)`);
}

const SPAN_KINDS: ReadonlyMap<string, SpanKindName> = new Map([
  ['unspecified', 'Unspecified'],
  ['internal', 'Internal'],
  ['server', 'Server'],
  ['client', 'Client'],
  ['producer', 'Producer'],
  ['consumer', 'Consumer'],
]);

/** A span kind in Jaeger's spelling (`spanKind=server`) → the stored spelling ('Server'). */
export function parseSpanKindParam(param: string, raw: string | undefined): SpanKindName | undefined {
  if (!present(raw)) return undefined;
  const kind = SPAN_KINDS.get(raw);
  if (kind === undefined) {
    throw new ParamError(
      param,
      `unsupported span kind ${quoteValue(raw)} (use one of ${[...SPAN_KINDS.keys()].join(', ')})`,
    );
  }
  return kind;
}

/** `quantile` of `/api/metrics/latencies`: a number in (0, 1]. */
export function parseQuantileParam(param: string, raw: string | undefined): number | undefined {
  if (!present(raw)) return undefined;
  const value = /^(?:0|[1-9]\d*)?(?:\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value > 0 && value <= 1)) {
    throw new ParamError(param, `${quoteValue(raw)} is not a quantile between 0 and 1 (e.g. 0.95)`);
  }
  return value;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * RFC 3339 with optional fraction up to nanoseconds (Go's `time.RFC3339Nano`, which api_v3's
 * `query.start_time_min`/`max` use) → unix nanoseconds, exact. `T` and `Z` upper case, as Go requires.
 */
export function parseRfc3339NanoParam(param: string, raw: string | undefined): bigint | undefined {
  if (!present(raw)) return undefined;
  const bad = (why: string): ParamError =>
    new ParamError(param, `${quoteValue(raw)} ${why} (write RFC 3339, e.g. 2024-05-01T12:00:00.5Z)`);
  const m = RFC3339.exec(raw);
  if (m === null) throw bad('is not an RFC 3339 time');
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))
    throw bad('is not a calendar date');
  if (hour > 23 || minute > 59 || second > 59) throw bad('is not a time of day');
  const sign = m[8];
  let offsetSec = 0;
  if (sign !== undefined) {
    const offsetHour = Number(m[9]);
    const offsetMinute = Number(m[10]);
    if (offsetHour > 23 || offsetMinute > 59) throw bad('has an impossible UTC offset');
    offsetSec = (sign === '-' ? -1 : 1) * (offsetHour * 3600 + offsetMinute * 60);
  }
  const unixSec = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offsetSec;
  const fractionNs = BigInt((m[7] ?? '').padEnd(9, '0'));
  return BigInt(unixSec) * 1_000_000_000n + fractionNs;
}
