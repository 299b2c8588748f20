/** Which attempt outcomes a retry policy retries (Envoy's retry_on semantics), and the backoff between tries. */
import { type RetryPolicy, RetryOn } from '../config/model.js';

export type AttemptOutcome =
  | { kind: 'response'; status: number; grpcStatus: number | undefined }
  /** the TCP connection could not be made: the app never saw the request */
  | { kind: 'connect-failure' }
  /** the connection broke before a response; `staleReuse` = a reused keep-alive connection closed under us */
  | { kind: 'reset'; staleReuse: boolean }
  | { kind: 'per-try-timeout' };

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

const GRPC_BITS: Readonly<Record<number, number>> = {
  1: RetryOn.grpcCancelled,
  4: RetryOn.grpcDeadlineExceeded,
  8: RetryOn.grpcResourceExhausted,
  13: RetryOn.grpcInternal,
  14: RetryOn.grpcUnavailable,
};

export function isRetriable(policy: RetryPolicy, outcome: AttemptOutcome, method: string): boolean {
  const on = policy.retryOn;
  switch (outcome.kind) {
    case 'response': {
      const s = outcome.status;
      if (s >= 500 && on & RetryOn.fiveXx) return true;
      if ((s === 502 || s === 503 || s === 504) && on & RetryOn.gatewayError) return true;
      if (s === 409 && on & RetryOn.retriable4xx) return true;
      if (on & RetryOn.retriableStatusCodes && policy.statusCodes.has(s)) return true;
      if (outcome.grpcStatus !== undefined) return ((GRPC_BITS[outcome.grpcStatus] ?? 0) & on) !== 0;
      return false;
    }
    case 'connect-failure':
      return (on & (RetryOn.connectFailure | RetryOn.fiveXx | RetryOn.gatewayError | RetryOn.reset)) !== 0;
    case 'reset':
      if (on & (RetryOn.reset | RetryOn.fiveXx)) return true;
      // A keep-alive connection the upstream had just closed: like HTTP/2's REFUSED_STREAM the request was
      // most likely never processed, but we cannot be sure, so only idempotent methods go again.
      return outcome.staleReuse && (on & RetryOn.refusedStream) !== 0 && IDEMPOTENT.has(method);
    case 'per-try-timeout':
      return (on & (RetryOn.fiveXx | RetryOn.gatewayError | RetryOn.reset)) !== 0;
  }
}

/** Envoy's fully jittered exponential backoff: retry n waits U(0, (2^n − 1) × base), capped at 10 × base. */
export function backoffMs(retry: number, rand01: number, baseMs = 25): number {
  const ceiling = Math.min((2 ** retry - 1) * baseMs, 10 * baseMs);
  return Math.floor(rand01 * ceiling);
}
