/**
 * Runtime state of one upstream cluster: its keep-alive connection pool, the circuit-breaker counters of
 * connectionPool, outlier detection and balancer state. Survives config reloads (keyed by cluster name) so
 * a reload neither forgets ejections nor drops pooled connections, unless the pool settings changed.
 */
import type { OutlierPolicy, PoolPolicy } from '../config/model.js';
import type { ClusterDef, EndpointDef } from '../routing/table.js';
import { identityFromLabels, type WorkloadIdentity } from '../telemetry/identity.js';
import type { Edge } from '../telemetry/request-metrics.js';
import type { UpstreamSecurity, UpstreamTransport } from '../listeners/transport.js';
import { H1Pools } from '../listeners/h1-client.js';
import { HashRing, hash32, pickLeastRequest, pickRandom, pickRoundRobin } from './balancer.js';
import { OutlierDetector } from './outlier.js';

export class EndpointState {
  active = 0;
  readonly identity: WorkloadIdentity;
  /** the metrics edge last used for this endpoint, with the peer answer and cluster it was built for */
  edge: Edge | undefined;
  edgePeer: string | undefined;
  edgePeerId: string | undefined;
  edgeCluster: string | undefined;
  constructor(
    readonly def: EndpointDef,
    namespace: string,
  ) {
    this.identity = identityFromLabels(def.labels, namespace);
  }
  get key(): string {
    return this.def.key;
  }
}

/**
 * An mTLS connection goes to a peer agent, whose listener keeps idle connections 65 s, and costs a handshake
 * to replace (measured: a 1,000 req/s burst on a pool gone cold opened ~70 connections and had a 155 ms
 * median over its first 2 s, against 0.3 ms warm). Such pools keep idle connections 55 s instead of the
 * 4 s default meant for any upstream (below Node's 5 s server default).
 */
const MTLS_IDLE_MS = 55_000;

function poolIdleMs(idleTimeoutMs: number, transport: UpstreamTransport, security: UpstreamSecurity): number {
  return transport.securityPolicy === 'mutual_tls' && security.mtls
    ? Math.max(idleTimeoutMs, MTLS_IDLE_MS)
    : idleTimeoutMs;
}

/** Requests, plain or mTLS, go through our HTTP/1.1 pools (h1-client.ts). */
function h1Pools(
  pool: PoolPolicy,
  idleTimeoutMs: number,
  transport: UpstreamTransport,
  security: UpstreamSecurity,
): H1Pools {
  return new H1Pools({
    maxConnections: pool.maxConnections >= 4_294_967_295 ? Infinity : pool.maxConnections,
    idleTimeoutMs: pool.idleTimeoutMs ?? poolIdleMs(idleTimeoutMs, transport, security),
    connectTimeoutMs: pool.connectTimeoutMs,
    maxRequestsPerConnection: pool.maxRequestsPerConnection,
    connect: (host, port) => transport.connect(host, port, security),
  });
}

function samePool(a: PoolPolicy, b: PoolPolicy): boolean {
  return (
    a.maxConnections === b.maxConnections &&
    a.connectTimeoutMs === b.connectTimeoutMs &&
    a.maxRequestsPerConnection === b.maxRequestsPerConnection &&
    a.idleTimeoutMs === b.idleTimeoutMs
  );
}

function sameSecurity(a: UpstreamSecurity, b: UpstreamSecurity): boolean {
  return a.mtls === b.mtls && a.expectedIds.join('\n') === b.expectedIds.join('\n');
}

function sameOutlier(a: OutlierPolicy | undefined, b: OutlierPolicy | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export type Pick = EndpointState | 'no-endpoints' | 'no-healthy';

export class ClusterState {
  def: ClusterDef;
  endpoints: EndpointState[] = [];
  /** keep-alive pools per endpoint for requests (the agent only carries mirrors) */
  pools: H1Pools;
  outlier: OutlierDetector | undefined;
  private outlierTimer: NodeJS.Timeout | undefined;
  private ring: HashRing | undefined;
  private rr = 0;
  /** requests in flight to this cluster (attempts, not downstream requests) */
  active = 0;
  /** table version the definition came from: an older table (a request still in flight) never wins */
  version = -1;
  retriesActive = 0;
  private retiredPools = new Set<H1Pools>();

  constructor(
    def: ClusterDef,
    private readonly idleTimeoutMs: number,
    private readonly transport: UpstreamTransport,
    private readonly clock: () => number,
  ) {
    this.def = def;
    this.pools = h1Pools(def.policy.pool, idleTimeoutMs, transport, def.security);
    this.update(def, true);
  }

  /** Applies a new definition of the same cluster (after a reload); keeps what still applies. */
  update(def: ClusterDef, first = false): void {
    const old = this.def;
    this.def = def;
    if (
      !first &&
      (!samePool(old.policy.pool, def.policy.pool) || !sameSecurity(old.security, def.security))
    ) {
      // Requests in flight finish on the old pool; it is destroyed once they are done.
      this.retiredPools.add(this.pools);
      this.pools = h1Pools(def.policy.pool, this.idleTimeoutMs, this.transport, def.security);
      this.reapRetired();
    }
    const previous = new Map(this.endpoints.map((e) => [e.key, e]));
    this.endpoints = def.endpoints.map((d) => {
      const e = previous.get(d.key);
      return e && e.def.address === d.address
        ? Object.assign(e, { def: d })
        : new EndpointState(d, def.namespace);
    });
    const od = def.policy.outlier;
    if (first || !sameOutlier(old.policy.outlier, od)) {
      if (this.outlierTimer) clearInterval(this.outlierTimer);
      this.outlierTimer = undefined;
      this.outlier = od ? new OutlierDetector(od) : undefined;
      if (od) {
        this.outlierTimer = setInterval(() => this.outlier?.tick(this.clock()), od.intervalMs);
        this.outlierTimer.unref();
      }
    }
    this.outlier?.sync(this.endpoints.map((e) => e.key));
    const lb = def.policy.loadBalancer;
    this.ring =
      lb.kind === 'HASH'
        ? new HashRing(
            this.endpoints.map((e) => e.key),
            lb.ringSize,
          )
        : undefined;
  }

  private reapRetired(): void {
    if (this.active > 0) return;
    for (const p of this.retiredPools) p.destroy();
    this.retiredPools.clear();
  }

  /**
   * connectionPool as Envoy's circuit breakers for HTTP/1.1: at most maxRequests in flight, and beyond
   * maxConnections busy connections at most maxPendingRequests waiting; anything more is refused at once.
   */
  admit(): boolean {
    const p = this.def.policy.pool;
    if (this.active >= p.maxRequests) return false;
    return this.active < p.maxConnections + p.maxPendingRequests;
  }

  /** attempts waiting for a connection: each HTTP/1.1 connection carries one request at a time */
  get pending(): number {
    return Math.max(0, this.active - this.def.policy.pool.maxConnections);
  }

  canRetry(): boolean {
    return this.retriesActive < this.def.policy.pool.maxRetries;
  }

  pick(hashKey: string | undefined, exclude: EndpointState | undefined): Pick {
    const all = this.endpoints;
    if (all.length === 0) return 'no-endpoints';
    const od = this.outlier;
    const filter = od !== undefined && od.ejected > 0 && !od.panic();
    if (this.ring && hashKey !== undefined) {
      const h = hash32(hashKey);
      const idx = this.ring.lookup(h, (i) => {
        const e = all[i] as EndpointState;
        return !(filter && od.isEjected(e.key));
      });
      return idx < 0 ? 'no-healthy' : (all[idx] as EndpointState);
    }
    let eps: EndpointState[] = all;
    if (filter) eps = all.filter((e) => !od.isEjected(e.key));
    // A retry prefers another endpoint (Envoy's previous_hosts predicate), when there is one.
    if (exclude && eps.length > 1) eps = eps.filter((e) => e !== exclude);
    if (eps.length === 0) return 'no-healthy';
    const lb = this.def.policy.loadBalancer;
    switch (lb.kind) {
      case 'ROUND_ROBIN':
        return pickRoundRobin(eps, this.rr++) as EndpointState;
      case 'RANDOM':
      case 'HASH':
        return pickRandom(eps, Math.random()) as EndpointState;
      case 'LEAST_REQUEST':
        return pickLeastRequest(eps, Math.random(), Math.random()) as EndpointState;
    }
  }

  onResult(ep: EndpointState, status: number): void {
    this.outlier?.onResult(ep.key, status, this.clock());
  }

  attemptStarted(ep: EndpointState): void {
    this.active++;
    ep.active++;
  }

  attemptDone(ep: EndpointState): void {
    this.active--;
    ep.active--;
    if (this.retiredPools.size > 0) this.reapRetired();
  }

  close(): void {
    if (this.outlierTimer) clearInterval(this.outlierTimer);
    this.outlierTimer = undefined;
    this.pools.destroy();
    for (const p of this.retiredPools) p.destroy();
    this.retiredPools.clear();
  }
}

/** Owns every cluster's state; created on first use, updated when a new route table arrives. */
export class ClusterManager {
  private readonly clusters = new Map<string, ClusterState>();

  constructor(
    private readonly idleTimeoutMs: number,
    private readonly transport: UpstreamTransport,
    private readonly clock: () => number = Date.now,
  ) {}

  get(def: ClusterDef, tableVersion: number): ClusterState {
    let c = this.clusters.get(def.key);
    if (!c) {
      c = new ClusterState(def, this.idleTimeoutMs, this.transport, this.clock);
      c.version = tableVersion;
      this.clusters.set(def.key, c);
    } else if (c.def !== def && tableVersion > c.version) {
      c.update(def);
      c.version = tableVersion;
    }
    return c;
  }

  all(): Iterable<ClusterState> {
    return this.clusters.values();
  }

  close(): void {
    for (const c of this.clusters.values()) c.close();
    this.clusters.clear();
  }
}
