/**
 * Outlier detection with Envoy's semantics as Istio configures them (REFERENCE §5), as a pure state
 * machine over a clock passed in: hosts are ejected as soon as they reach a consecutive-error threshold,
 * return on the first interval tick after their ejection time, and the ejection time grows with each
 * ejection (base × count, capped at max(300 s, base)).
 */
import type { OutlierPolicy } from '../config/model.js';

interface HostState {
  consecutive5xx: number;
  consecutiveGateway: number;
  ejected: boolean;
  ejectedAtMs: number;
  ejectionMs: number;
  timesEjected: number;
}

/** Status 0 stands for a local-origin failure (connect failure, reset, timeout): Envoy counts it as 503. */
export function isGatewayError(status: number): boolean {
  return status === 0 || status === 502 || status === 503 || status === 504;
}

const MAX_EJECTION_MS = 300_000;

export class OutlierDetector {
  private readonly hosts = new Map<string, HostState>();
  private ejectedCount = 0;

  constructor(readonly policy: OutlierPolicy) {}

  /** Keeps state for the current endpoint set (endpoints that went away are forgotten). */
  sync(keys: readonly string[]): void {
    const wanted = new Set(keys);
    for (const [k, s] of this.hosts) {
      if (!wanted.has(k)) {
        if (s.ejected) this.ejectedCount--;
        this.hosts.delete(k);
      }
    }
    for (const k of keys) {
      if (!this.hosts.has(k)) {
        this.hosts.set(k, {
          consecutive5xx: 0,
          consecutiveGateway: 0,
          ejected: false,
          ejectedAtMs: 0,
          ejectionMs: 0,
          timesEjected: 0,
        });
      }
    }
  }

  /** Records one upstream outcome; returns true when it ejected the host. */
  onResult(key: string, status: number, nowMs: number): boolean {
    const h = this.hosts.get(key);
    if (!h || h.ejected) return false;
    const p = this.policy;
    const is5xx = status === 0 || status >= 500;
    h.consecutive5xx = is5xx ? h.consecutive5xx + 1 : 0;
    h.consecutiveGateway = isGatewayError(status) ? h.consecutiveGateway + 1 : 0;
    const trip =
      (p.consecutive5xx > 0 && h.consecutive5xx >= p.consecutive5xx) ||
      (p.consecutiveGateway > 0 && h.consecutiveGateway >= p.consecutiveGateway);
    if (!trip) return false;
    return this.tryEject(h, nowMs);
  }

  private tryEject(h: HostState, nowMs: number): boolean {
    const total = this.hosts.size;
    const percentAfter = (100 * (this.ejectedCount + 1)) / total;
    // maxEjectionPercent, except that at least one host may always be ejected.
    if (percentAfter > this.policy.maxEjectionPercent && this.ejectedCount > 0) {
      h.consecutive5xx = 0;
      h.consecutiveGateway = 0;
      return false;
    }
    h.timesEjected++;
    h.ejected = true;
    h.ejectedAtMs = nowMs;
    const base = this.policy.baseEjectionMs;
    h.ejectionMs = Math.min(base * h.timesEjected, Math.max(MAX_EJECTION_MS, base));
    this.ejectedCount++;
    return true;
  }

  /** The interval sweep: returns hosts whose ejection time is over; healthy hosts decay their count. */
  tick(nowMs: number): string[] {
    const returned: string[] = [];
    for (const [k, h] of this.hosts) {
      if (h.ejected) {
        if (nowMs - h.ejectedAtMs >= h.ejectionMs) {
          h.ejected = false;
          h.consecutive5xx = 0;
          h.consecutiveGateway = 0;
          this.ejectedCount--;
          returned.push(k);
        }
      } else if (h.timesEjected > 0 && nowMs - h.ejectedAtMs >= h.ejectionMs + this.policy.intervalMs) {
        h.timesEjected--;
      }
    }
    return returned;
  }

  isEjected(key: string): boolean {
    return this.hosts.get(key)?.ejected === true;
  }

  get ejected(): number {
    return this.ejectedCount;
  }

  /**
   * Istio's minHealthPercent (Envoy's panic threshold): below it, outlier detection stands aside and all
   * hosts take traffic. At 0 (the default) it never does, so a fully ejected cluster answers 503.
   */
  panic(): boolean {
    const total = this.hosts.size;
    if (total === 0 || this.policy.minHealthPercent <= 0) return false;
    return (100 * (total - this.ejectedCount)) / total < this.policy.minHealthPercent;
  }
}
