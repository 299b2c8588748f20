/** State shared by the listeners of one agent: the current route table, clusters, telemetry, counters. */
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/agent-config.js';
import type { RateLimitModel } from '../config/model.js';
import type { ClusterManager } from '../resilience/cluster.js';
import { newBucket, type TakeResult, takeToken, type TokenBucket } from '../resilience/rate-limit.js';
import type { RouteTable } from '../routing/table.js';
import type { WorkloadIdentity } from '../telemetry/identity.js';
import type { Telemetry } from '../telemetry/telemetry.js';

export class AgentState {
  table: RouteTable;
  draining = false;
  outboundInflight = 0;
  inboundInflight = 0;
  mirrorsInflight = 0;
  mirrorsSkipped = 0;
  /** AuthorizationPolicy outcomes by `action|policy`, for /metrics */
  readonly authzCounts = new Map<string, number>();
  private idleWaiters: Array<() => void> = [];
  private readonly buckets = new Map<string, { model: RateLimitModel; bucket: TokenBucket }>();

  constructor(
    readonly config: AgentConfig,
    readonly log: Logger,
    readonly identity: WorkloadIdentity,
    /** own workload labels, for VirtualService `sourceLabels` matches */
    readonly ownLabels: Readonly<Record<string, string>>,
    /** x-meshscope-peer value describing this workload, computed once */
    readonly peerHeaderValue: string,
    table: RouteTable,
    readonly clusters: ClusterManager,
    readonly telemetry: Telemetry,
    readonly clock: () => number = Date.now,
  ) {
    this.table = table;
  }

  get inflight(): number {
    return this.outboundInflight + this.inboundInflight;
  }

  /** Resolves once no request is in flight (used by drain). */
  whenIdle(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Called by the listeners whenever a request finishes. */
  requestDone(): void {
    if (this.idleWaiters.length > 0 && this.inflight === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  countAuthz(action: 'deny' | 'audit', policy: string): void {
    const key = `${action}|${policy}`;
    this.authzCounts.set(key, (this.authzCounts.get(key) ?? 0) + 1);
  }

  /**
   * Takes a token from a local rate limit: undefined when the request may go on, otherwise the headers of
   * its 429 (Envoy's local rate limit: `x-ratelimit-*` and `retry-after`).
   */
  rateLimited(model: RateLimitModel): string[] | undefined {
    const r = this.rateLimit(model);
    if (r.allowed) return undefined;
    const reset = String(Math.max(1, Math.ceil(r.resetMs / 1000)));
    return [
      'x-ratelimit-limit',
      String(model.bucket.maxTokens),
      'x-ratelimit-remaining',
      '0',
      'x-ratelimit-reset',
      reset,
      'retry-after',
      reset,
    ];
  }

  /** Takes a token from a local rate limit; the bucket persists across reloads unless its shape changed. */
  private rateLimit(model: RateLimitModel): TakeResult {
    let entry = this.buckets.get(model.name);
    const b = model.bucket;
    if (
      !entry ||
      entry.model.bucket.maxTokens !== b.maxTokens ||
      entry.model.bucket.fillIntervalMs !== b.fillIntervalMs ||
      entry.model.bucket.tokensPerFill !== b.tokensPerFill
    ) {
      entry = { model, bucket: newBucket(b, this.clock()) };
      this.buckets.set(model.name, entry);
    }
    return takeToken(entry.bucket, b, this.clock());
  }
}
