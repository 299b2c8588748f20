import type { SpanKindName, StatusCodeName } from '../storage/rows.js';

/** Indexed by the OTLP enum value. */
const SPAN_KINDS: readonly SpanKindName[] = [
  'Unspecified',
  'Internal',
  'Server',
  'Client',
  'Producer',
  'Consumer',
];
const STATUS_CODES: readonly StatusCodeName[] = ['Unset', 'Ok', 'Error'];

/** OTLP enums are open: an unknown value reads as the default, as pdata does. */
export function spanKindName(kind: number): SpanKindName {
  return SPAN_KINDS[kind] ?? 'Unspecified';
}

export function statusCodeName(code: number): StatusCodeName {
  return STATUS_CODES[code] ?? 'Unset';
}

/** OTLP/JSON enum names accepted besides their integers. */
export const SPAN_KIND_ENUM: Readonly<Record<string, number>> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};

export const STATUS_CODE_ENUM: Readonly<Record<string, number>> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

function idProblem(field: string, hex: string, bytes: number, zero: string): string {
  if (hex.length === 0) return `${field} is missing`;
  if (hex.length !== bytes * 2) return `${field} must be ${bytes} bytes, got ${hex.length / 2}`;
  if (hex === zero) return `${field} is all zeros`;
  return '';
}

/**
 * The first thing that makes a span unstorable, or '' when it is valid. Ids are lowercase hex (an odd
 * length or a non-hex digit only comes from OTLP/JSON and is reported by the JSON decoder).
 */
export function spanProblem(
  traceId: string,
  spanId: string,
  parentSpanId: string,
  startNs: bigint,
  endNs: bigint,
): string {
  return (
    idProblem('trace_id', traceId, 16, ZERO_TRACE_ID) ||
    idProblem('span_id', spanId, 8, ZERO_SPAN_ID) ||
    (parentSpanId.length !== 0 && parentSpanId.length !== 16
      ? `parent_span_id must be empty or 8 bytes, got ${parentSpanId.length / 2}`
      : '') ||
    (startNs <= 0n ? 'start_time_unix_nano is 0' : '') ||
    (endNs < startNs ? 'end_time_unix_nano is before start_time_unix_nano' : '')
  );
}

/** pdata treats an all-zero parent id as no parent; the exporter then writes ''. */
export function normaliseParent(parentSpanId: string): string {
  return parentSpanId === ZERO_SPAN_ID ? '' : parentSpanId;
}

/** The name under which a rejected span is reported. */
export function describeSpan(name: string, spanId: string): string {
  return `span '${name}'${spanId ? ` (span_id ${spanId})` : ''}`;
}
