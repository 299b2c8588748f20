import protobuf from 'protobufjs/minimal.js';

/**
 * The few messages the receivers send back, encoded by hand: Export{Trace,Metrics}ServiceResponse with its
 * partial_success, and google.rpc.Status for errors. Field numbers are opentelemetry-proto
 * collector/{trace,metrics}/v1 and google/rpc/status.proto.
 */

export type Signal = 'traces' | 'metrics';
export type BodyFormat = 'protobuf' | 'json';

/** What a request was partly refused for; rejected = 0 and errorMessage = '' means full success. */
export interface ExportOutcome {
  rejected: number;
  errorMessage: string;
}

/** gRPC status codes used in google.rpc.Status bodies (HTTP) and call statuses (gRPC). */
export const RpcCode = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

function bytes(writer: protobuf.Writer): Buffer {
  const u8 = writer.finish();
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

/** Export*ServiceResponse: field 1 partial_success { 1: rejected (int64), 2: error_message }. */
export function encodeExportResponse(outcome: ExportOutcome): Buffer {
  const w = protobuf.Writer.create();
  if (outcome.rejected > 0 || outcome.errorMessage) {
    w.uint32(0x0a).fork();
    if (outcome.rejected > 0) w.uint32(0x08).int64(outcome.rejected);
    if (outcome.errorMessage) w.uint32(0x12).string(outcome.errorMessage);
    w.ldelim();
  }
  return bytes(w);
}

/** The same in OTLP/JSON (int64 as a string, per the protobuf JSON mapping). */
export function exportResponseJson(signal: Signal, outcome: ExportOutcome): Record<string, unknown> {
  if (outcome.rejected === 0 && !outcome.errorMessage) return {};
  const countKey = signal === 'traces' ? 'rejectedSpans' : 'rejectedDataPoints';
  return { partialSuccess: { [countKey]: String(outcome.rejected), errorMessage: outcome.errorMessage } };
}

/** google.rpc.Status { 1: code, 2: message, 3: repeated google.protobuf.Any details }. */
export function encodeStatus(code: number, message: string, details: readonly Buffer[] = []): Buffer {
  const w = protobuf.Writer.create();
  if (code !== 0) w.uint32(0x08).int32(code);
  if (message) w.uint32(0x12).string(message);
  for (const detail of details) w.uint32(0x1a).bytes(detail);
  return bytes(w);
}

export function statusJson(code: number, message: string): { code: number; message: string } {
  return { code, message };
}

/**
 * google.protobuf.Any holding a google.rpc.RetryInfo { 1: retry_delay Duration { 1: seconds } }: how gRPC
 * OTLP exporters learn when to retry after UNAVAILABLE (the HTTP receiver says it with Retry-After).
 */
export function encodeRetryInfo(retryAfterSec: number): Buffer {
  const retryInfo = protobuf.Writer.create();
  retryInfo
    .uint32(0x0a)
    .fork()
    .uint32(0x08)
    .int64(Math.max(0, Math.round(retryAfterSec)))
    .ldelim();
  const any = protobuf.Writer.create();
  any.uint32(0x0a).string('type.googleapis.com/google.rpc.RetryInfo');
  any.uint32(0x12).bytes(retryInfo.finish());
  return bytes(any);
}
