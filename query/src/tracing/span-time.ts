/**
 * Time conversions between the stored span row (unix ns as a decimal string, durations in ns) and the
 * microseconds Jaeger speaks. Jaeger truncates both the start and the duration to whole microseconds
 * (`model.TimeAsEpochMicroseconds`, `model.DurationAsMicroseconds`), so a span's end in µs is
 * `startUs + durationUs`, not `floor(endNs / 1000)`. Everything here follows that rule, so the critical
 * path we compute equals what Jaeger UI computes from our `/api/traces` output.
 */

const DECIMAL_NS = /^\d+$/;

/** Unix ns decimal string → unix µs, truncated, without going through a lossy float. */
export function nsTextToUs(ns: string): number {
  if (!DECIMAL_NS.test(ns)) {
    throw new RangeError(`not a unix-nanosecond decimal string: ${JSON.stringify(ns)}`);
  }
  // Dropping the last three digits is exact integer division by 1000; epoch µs fit in 2^53 until year 2255.
  return ns.length <= 3 ? 0 : Number(ns.slice(0, -3));
}

/** Duration in ns → whole µs, truncated; negative durations count as 0 as in Jaeger. */
export function durationNsToUs(durationNs: number): number {
  return durationNs <= 0 ? 0 : Math.floor(durationNs / 1000);
}

/** Unix ns decimal string + ns duration → end in unix ns, exactly. */
export function endNsText(startNs: string, durationNs: number): string {
  return (BigInt(startNs) + BigInt(Math.max(0, Math.trunc(durationNs)))).toString();
}

const ZERO_ID = /^0*$/;

/** '' and all-zero ids both mean "no parent" (OTLP encodes an absent parent as zero bytes). */
export function isEmptySpanId(id: string): boolean {
  return ZERO_ID.test(id);
}
