/** Envoy's local rate limit token bucket: `tokensPerFill` tokens every `fillIntervalMs`, at most `maxTokens`. */
import type { TokenBucketPolicy } from '../config/model.js';

export interface TokenBucket {
  tokens: number;
  lastFillMs: number;
}

export function newBucket(policy: TokenBucketPolicy, nowMs: number): TokenBucket {
  return { tokens: policy.maxTokens, lastFillMs: nowMs };
}

export interface TakeResult {
  allowed: boolean;
  remaining: number;
  /** ms until the next fill */
  resetMs: number;
}

export function takeToken(bucket: TokenBucket, policy: TokenBucketPolicy, nowMs: number): TakeResult {
  const fills = Math.floor((nowMs - bucket.lastFillMs) / policy.fillIntervalMs);
  if (fills > 0) {
    bucket.tokens = Math.min(policy.maxTokens, bucket.tokens + fills * policy.tokensPerFill);
    bucket.lastFillMs += fills * policy.fillIntervalMs;
  }
  const resetMs = bucket.lastFillMs + policy.fillIntervalMs - nowMs;
  if (bucket.tokens < 1) return { allowed: false, remaining: 0, resetMs };
  bucket.tokens--;
  return { allowed: true, remaining: bucket.tokens, resetMs };
}
