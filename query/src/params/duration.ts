import { ParamError, quoteValue } from './errors.js';

/**
 * Go's `time.ParseDuration`, which Jaeger uses for `minDuration`/`maxDuration`: an optional sign, then one
 * or more decimal numbers (optional fraction) each with a unit — `300ms`, `1.5s`, `1h2m`, `10us`, `10µs` —
 * or a bare `0`. Units: ns, us (µs, μs), ms, s, m, h. The range is Go's: int64 nanoseconds. Fractions are
 * computed exactly (Go goes through float64; the two agree to the nanosecond on any realistic input).
 */

const UNIT_NS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['µs', 1_000n], // U+00B5 micro sign
  ['μs', 1_000n], // U+03BC Greek mu
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

const INT64_MAX = 2n ** 63n - 1n;
const EXAMPLES = 'as in 300ms, 1.5s or 1h2m';
const UNITS = 'ns, us (or µs), ms, s, m or h';

/** Why a text is not a Go duration. */
export class DurationSyntaxError extends Error {
  override readonly name = 'DurationSyntaxError';
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Parse a Go duration to signed nanoseconds. */
export function parseGoDurationNs(text: string): bigint {
  const shown = quoteValue(text);
  let rest = text;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '')
    throw new DurationSyntaxError(`${shown} is not a duration: expected a number with a unit, ${EXAMPLES}`);

  let totalNs = 0n;
  while (rest !== '') {
    let i = 0;
    while (isDigit(rest[i])) i++;
    const whole = rest.slice(0, i);
    let fraction = '';
    if (rest[i] === '.') {
      const start = ++i;
      while (isDigit(rest[i])) i++;
      fraction = rest.slice(start, i);
    }
    if (whole === '' && fraction === '') {
      throw new DurationSyntaxError(`${shown} is not a duration: expected a number with a unit, ${EXAMPLES}`);
    }
    const unitStart = i;
    while (i < rest.length && rest[i] !== '.' && !isDigit(rest[i])) i++;
    const unit = rest.slice(unitStart, i);
    if (unit === '')
      throw new DurationSyntaxError(`${shown} has a number without a unit: use ${UNITS}, ${EXAMPLES}`);
    const unitNs = UNIT_NS.get(unit);
    if (unitNs === undefined) {
      throw new DurationSyntaxError(
        `${shown} has an unknown unit ${quoteValue(unit)}: use ${UNITS}, ${EXAMPLES}`,
      );
    }
    totalNs += BigInt(whole === '' ? '0' : whole) * unitNs;
    if (fraction !== '') totalNs += (BigInt(fraction) * unitNs) / 10n ** BigInt(fraction.length);
    // Go's bound is int64 nanoseconds (about 292 years); -2^63 itself is allowed.
    if (totalNs > INT64_MAX + (negative ? 1n : 0n)) {
      throw new DurationSyntaxError(`${shown} is longer than the largest duration, 2562047h47m16.854775807s`);
    }
    rest = rest.slice(i);
  }
  return negative ? -totalNs : totalNs;
}

/** Parse a Go duration to whole microseconds, truncated toward zero (Go's `Duration.Microseconds`). */
export function parseGoDurationUs(text: string): number {
  return Number(parseGoDurationNs(text) / 1000n);
}

/**
 * A duration request parameter (`minDuration`, `maxDuration`, `query.durationMin`…): a Go duration that is
 * not negative. Returns nanoseconds, exact.
 */
export function parseDurationParamNs(param: string, raw: string): bigint {
  let ns: bigint;
  try {
    ns = parseGoDurationNs(raw);
  } catch (error) {
    if (error instanceof DurationSyntaxError) throw new ParamError(param, error.message);
    throw error;
  }
  if (ns < 0n)
    throw new ParamError(param, `${quoteValue(raw)} is negative; a duration here must be 0 or more`);
  return ns;
}

/** As `parseDurationParamNs`, in whole microseconds (Jaeger compares span durations in µs). */
export function parseDurationParamUs(param: string, raw: string): number {
  return Number(parseDurationParamNs(param, raw) / 1000n);
}
