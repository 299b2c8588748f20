/**
 * Load balancers as pure choices over the endpoints that are currently usable. Random numbers come in as
 * arguments so that tests are deterministic.
 */

export interface Balanceable {
  /** requests in flight to this endpoint (LEAST_REQUEST) */
  active: number;
}

export function pickRoundRobin<T>(eps: readonly T[], counter: number): T | undefined {
  return eps.length === 0 ? undefined : eps[counter % eps.length];
}

export function pickRandom<T>(eps: readonly T[], rand01: number): T | undefined {
  return eps.length === 0 ? undefined : eps[Math.floor(rand01 * eps.length)];
}

/** Envoy's LEAST_REQUEST with equal weights: power of two random choices, the less loaded one wins. */
export function pickLeastRequest<T extends Balanceable>(
  eps: readonly T[],
  randA: number,
  randB: number,
): T | undefined {
  const n = eps.length;
  if (n <= 1) return eps[0];
  const i = Math.floor(randA * n);
  let j = Math.floor(randB * (n - 1));
  if (j >= i) j++;
  const a = eps[i] as T;
  const b = eps[j] as T;
  return b.active < a.active ? b : a;
}

/** 32-bit FNV-1a with a murmur3 finaliser, so that similar keys (user-1, user-2) spread over the ring. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Envoy's ring hash: each endpoint owns ringSize / n points; a key goes to the first point at or after its
 * hash. When that endpoint is unusable (ejected) the walk continues clockwise, so only the keys of the
 * missing endpoint move.
 */
export class HashRing {
  private readonly points: Uint32Array;
  private readonly owners: Uint32Array;

  constructor(endpointKeys: readonly string[], ringSize: number) {
    const n = endpointKeys.length;
    const per = n === 0 ? 0 : Math.max(1, Math.ceil(ringSize / n));
    const entries: Array<[number, number]> = [];
    endpointKeys.forEach((key, owner) => {
      for (let v = 0; v < per; v++) entries.push([hash32(`${key}_${v}`), owner]);
    });
    entries.sort((x, y) => x[0] - y[0]);
    this.points = Uint32Array.from(entries, (e) => e[0]);
    this.owners = Uint32Array.from(entries, (e) => e[1]);
  }

  /** Index of the endpoint owning `hash`, skipping those for which `usable` is false; -1 when none. */
  lookup(hash: number, usable: (owner: number) => boolean): number {
    const pts = this.points;
    const len = pts.length;
    if (len === 0) return -1;
    let lo = 0;
    let hi = len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((pts[mid] as number) < hash) lo = mid + 1;
      else hi = mid;
    }
    for (let k = 0; k < len; k++) {
      const owner = this.owners[(lo + k) % len] as number;
      if (usable(owner)) return owner;
    }
    return -1;
  }
}
