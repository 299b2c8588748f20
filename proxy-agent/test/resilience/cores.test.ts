import { describe, expect, it } from 'vitest';
import { compileTrafficPolicy, DEFAULT_RETRY_POLICY, parseRetryOn } from '../../src/config/compile.js';
import type { OutlierPolicy, RetryPolicy } from '../../src/config/model.js';
import { HashRing, hash32, pickLeastRequest, pickRoundRobin } from '../../src/resilience/balancer.js';
import { OutlierDetector } from '../../src/resilience/outlier.js';
import { newBucket, takeToken } from '../../src/resilience/rate-limit.js';
import { backoffMs, isRetriable } from '../../src/resilience/retry.js';

const policy = (over: Partial<OutlierPolicy> = {}): OutlierPolicy => ({
  consecutive5xx: 3,
  consecutiveGateway: 0,
  intervalMs: 1000,
  baseEjectionMs: 30_000,
  maxEjectionPercent: 100,
  minHealthPercent: 0,
  ...over,
});

describe('outlier detection (fake clock)', () => {
  it('ejects on the Nth consecutive 5xx; a success resets the count', () => {
    const od = new OutlierDetector(policy());
    od.sync(['a', 'b']);
    od.onResult('a', 500, 0);
    od.onResult('a', 500, 0);
    od.onResult('a', 200, 0);
    od.onResult('a', 500, 0);
    expect(od.onResult('a', 503, 0)).toBe(false);
    expect(od.onResult('a', 0, 0)).toBe(true); // a connect failure counts as a 5xx
    expect(od.isEjected('a')).toBe(true);
  });

  it('returns a host on the first tick after base × times ejected, capped at max(300 s, base)', () => {
    const od = new OutlierDetector(policy({ consecutive5xx: 1 }));
    od.sync(['a', 'b']);
    od.onResult('a', 500, 0);
    expect(od.tick(29_999)).toEqual([]);
    expect(od.tick(30_000)).toEqual(['a']);
    od.onResult('a', 500, 30_000); // second ejection: 60 s
    expect(od.tick(89_999)).toEqual([]);
    expect(od.tick(90_000)).toEqual(['a']);
    const big = new OutlierDetector(policy({ consecutive5xx: 1, baseEjectionMs: 200_000 }));
    big.sync(['a', 'b']);
    big.onResult('a', 500, 0);
    big.tick(200_000);
    big.onResult('a', 500, 200_000); // 2 × 200 s, capped at max(300 s, 200 s) = 300 s
    expect(big.tick(499_999)).toEqual([]);
    expect(big.tick(500_000)).toEqual(['a']);
  });

  it('honours maxEjectionPercent, but always allows one ejection', () => {
    const od = new OutlierDetector(policy({ consecutive5xx: 1, maxEjectionPercent: 10 }));
    od.sync(['a', 'b', 'c']);
    expect(od.onResult('a', 500, 0)).toBe(true);
    expect(od.onResult('b', 500, 0)).toBe(false);
    expect(od.ejected).toBe(1);
    const half = new OutlierDetector(policy({ consecutive5xx: 1, maxEjectionPercent: 50 }));
    half.sync(['a', 'b', 'c', 'd']);
    for (const h of ['a', 'b', 'c', 'd']) half.onResult(h, 500, 0);
    expect(half.ejected).toBe(2);
  });

  it('counts gateway errors separately when consecutiveGatewayErrors is set', () => {
    const od = new OutlierDetector(policy({ consecutive5xx: 0, consecutiveGateway: 2 }));
    od.sync(['a', 'b']);
    od.onResult('a', 500, 0);
    od.onResult('a', 500, 0);
    expect(od.isEjected('a')).toBe(false);
    od.onResult('a', 502, 0);
    expect(od.onResult('a', 504, 0)).toBe(true);
  });

  it('panics below minHealthPercent (all hosts take traffic again)', () => {
    const od = new OutlierDetector(policy({ consecutive5xx: 1, minHealthPercent: 60 }));
    od.sync(['a', 'b']);
    od.onResult('a', 500, 0);
    expect(od.panic()).toBe(true);
    expect(new OutlierDetector(policy()).panic()).toBe(false);
  });
});

describe('load balancers', () => {
  it('round robin cycles', () => {
    expect([0, 1, 2, 3].map((i) => pickRoundRobin(['a', 'b', 'c'], i))).toEqual(['a', 'b', 'c', 'a']);
  });

  it('least request takes the less loaded of two random choices', () => {
    const eps = [{ active: 5 }, { active: 1 }, { active: 9 }];
    expect(pickLeastRequest(eps, 0, 0)).toBe(eps[1]);
    expect(pickLeastRequest(eps, 0.9, 0.9)).toBe(eps[1]);
    expect(pickLeastRequest(eps, 0, 0.9)).toBe(eps[0]);
  });

  it('ring hash: a key maps to one endpoint; removing one moves only its keys', () => {
    const keys = ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80', '10.0.0.4:80'];
    const ring = new HashRing(keys, 1024);
    const owner = (k: string, skip = -1) => ring.lookup(hash32(k), (i) => i !== skip);
    const counts = [0, 0, 0, 0];
    let moved = 0;
    for (let u = 0; u < 2000; u++) {
      const o = owner(`user-${u}`);
      counts[o]!++;
      expect(owner(`user-${u}`)).toBe(o);
      const without = owner(`user-${u}`, 2);
      if (o !== 2 && without !== o) moved++;
    }
    expect(moved).toBe(0);
    for (const c of counts) expect(c).toBeGreaterThan(300);
  });
});

describe('token bucket', () => {
  it('refills tokensPerFill per interval up to maxTokens', () => {
    const p = { maxTokens: 3, tokensPerFill: 2, fillIntervalMs: 1000 };
    const b = newBucket(p, 0);
    expect([1, 2, 3, 4].map(() => takeToken(b, p, 10).allowed)).toEqual([true, true, true, false]);
    expect(takeToken(b, p, 10).resetMs).toBe(990);
    expect(takeToken(b, p, 1000)).toMatchObject({ allowed: true, remaining: 1 });
    expect(takeToken(b, p, 99_000)).toMatchObject({ allowed: true, remaining: 2 });
  });
});

describe('retry decisions', () => {
  const explicit = (on: string): RetryPolicy => {
    const { bits, codes } = parseRetryOn(on, 'f', undefined);
    return { attempts: 2, retryOn: bits, statusCodes: codes, explicit: true };
  };
  const resp = (status: number, grpcStatus?: number) => ({ kind: 'response' as const, status, grpcStatus });

  it('mesh default: connection failures only, never a reply or a reset that reached the app', () => {
    expect(isRetriable(DEFAULT_RETRY_POLICY, { kind: 'connect-failure' }, 'POST')).toBe(true);
    expect(isRetriable(DEFAULT_RETRY_POLICY, resp(503), 'GET')).toBe(false);
    expect(isRetriable(DEFAULT_RETRY_POLICY, { kind: 'reset', staleReuse: false }, 'GET')).toBe(false);
    expect(isRetriable(DEFAULT_RETRY_POLICY, { kind: 'per-try-timeout' }, 'GET')).toBe(false);
    // A keep-alive connection closed under us: idempotent methods only.
    expect(isRetriable(DEFAULT_RETRY_POLICY, { kind: 'reset', staleReuse: true }, 'GET')).toBe(true);
    expect(isRetriable(DEFAULT_RETRY_POLICY, { kind: 'reset', staleReuse: true }, 'POST')).toBe(false);
    expect(isRetriable(DEFAULT_RETRY_POLICY, resp(200, 14), 'POST')).toBe(true); // gRPC unavailable
  });

  it('Envoy retry_on semantics', () => {
    expect(isRetriable(explicit('5xx'), resp(500), 'POST')).toBe(true);
    expect(isRetriable(explicit('5xx'), { kind: 'per-try-timeout' }, 'GET')).toBe(true);
    expect(isRetriable(explicit('gateway-error'), resp(500), 'GET')).toBe(false);
    expect(isRetriable(explicit('gateway-error'), resp(504), 'GET')).toBe(true);
    expect(isRetriable(explicit('retriable-4xx'), resp(409), 'GET')).toBe(true);
    expect(isRetriable(explicit('retriable-4xx'), resp(404), 'GET')).toBe(false);
    expect(isRetriable(explicit('reset'), { kind: 'reset', staleReuse: false }, 'POST')).toBe(true);
    expect(isRetriable(explicit('429,503'), resp(429), 'GET')).toBe(true);
    expect(isRetriable(explicit('retriable-status-codes'), resp(429), 'GET')).toBe(false);
    expect(isRetriable(explicit('connect-failure'), resp(503), 'GET')).toBe(false);
  });

  it('fully jittered exponential backoff from a 25 ms base, capped at 250 ms', () => {
    expect(backoffMs(1, 0.999)).toBe(24);
    expect(backoffMs(2, 0.999)).toBe(74);
    expect(backoffMs(10, 0.999)).toBe(249);
    expect(backoffMs(3, 0)).toBe(0);
  });

  it('connection-pool defaults are Istio’s (unlimited), 0 means unset', () => {
    const p = compileTrafficPolicy({ connectionPool: { http: { http1MaxPendingRequests: 0 } } }).pool;
    expect(p.maxPendingRequests).toBe(4_294_967_295);
    expect(p.connectTimeoutMs).toBe(10_000);
  });
});
