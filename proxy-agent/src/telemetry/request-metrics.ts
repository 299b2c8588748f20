/**
 * Request metrics, never sampled. One series per (edge, response code, response flags); an edge is the
 * (reporter, source identity, destination identity) triple, looked up with one Map access per request.
 * Each series keeps a delta histogram (seconds, OTel HTTP buckets) for OTLP and cumulative Istio-style
 * counters (milliseconds buckets) for the Prometheus endpoint.
 */
import type { Attributes } from '@opentelemetry/api';
import {
  CLIENT_DURATION_METRIC,
  HTTP_DURATION_BUCKETS_SEC,
  MeshAttr,
  SERVER_DURATION_METRIC,
} from '@meshscope/collector/conventions';

/** Istio's default buckets for istio_request_duration_milliseconds. */
export const ISTIO_DURATION_BUCKETS_MS = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000,
] as const;

const SEC_BOUNDS: readonly number[] = HTTP_DURATION_BUCKETS_SEC;

function bucketIndex(bounds: readonly number[], v: number): number {
  // Inclusive upper bounds, as OTLP and Prometheus define them.
  let i = 0;
  while (i < bounds.length && v > (bounds[i] as number)) i++;
  return i;
}

export class Series {
  readonly deltaCounts = new Float64Array(SEC_BOUNDS.length + 1);
  deltaCount = 0;
  deltaSum = 0;
  deltaMin = Infinity;
  deltaMax = -Infinity;
  readonly cumulativeMsCounts = new Float64Array(ISTIO_DURATION_BUCKETS_MS.length + 1);
  cumulativeCount = 0;
  cumulativeSumMs = 0;

  constructor(readonly attributes: Attributes) {}

  record(durationSec: number): void {
    this.deltaCounts[bucketIndex(SEC_BOUNDS, durationSec)]! += 1;
    this.deltaCount++;
    this.deltaSum += durationSec;
    if (durationSec < this.deltaMin) this.deltaMin = durationSec;
    if (durationSec > this.deltaMax) this.deltaMax = durationSec;
    const ms = durationSec * 1000;
    this.cumulativeMsCounts[bucketIndex(ISTIO_DURATION_BUCKETS_MS, ms)]! += 1;
    this.cumulativeCount++;
    this.cumulativeSumMs += ms;
  }

  resetDelta(): void {
    this.deltaCounts.fill(0);
    this.deltaCount = 0;
    this.deltaSum = 0;
    this.deltaMin = Infinity;
    this.deltaMax = -Infinity;
  }
}

export class Edge {
  /** response code → response flags → series */
  readonly byCode = new Map<number, Map<string, Series>>();
  constructor(
    readonly reporter: 'source' | 'destination',
    readonly attributes: Readonly<Record<string, string>>,
  ) {}
}

export interface EdgeIdentity {
  reporter: 'source' | 'destination';
  source: { workload: string; namespace: string; app: string; version: string; principal: string };
  destination: {
    service: string;
    serviceName: string;
    serviceNamespace: string;
    workload: string;
    namespace: string;
    app: string;
    version: string;
    principal: string;
  };
  securityPolicy: 'mutual_tls' | 'none' | 'unknown';
}

export function edgeAttributes(e: EdgeIdentity): Record<string, string> {
  return {
    [MeshAttr.reporter]: e.reporter,
    [MeshAttr.sourceWorkload]: e.source.workload,
    [MeshAttr.sourceWorkloadNamespace]: e.source.namespace,
    [MeshAttr.sourceApp]: e.source.app,
    [MeshAttr.sourceVersion]: e.source.version,
    [MeshAttr.sourcePrincipal]: e.source.principal,
    [MeshAttr.destinationService]: e.destination.service,
    [MeshAttr.destinationServiceName]: e.destination.serviceName,
    [MeshAttr.destinationServiceNamespace]: e.destination.serviceNamespace,
    [MeshAttr.destinationWorkload]: e.destination.workload,
    [MeshAttr.destinationWorkloadNamespace]: e.destination.namespace,
    [MeshAttr.destinationApp]: e.destination.app,
    [MeshAttr.destinationVersion]: e.destination.version,
    [MeshAttr.destinationPrincipal]: e.destination.principal,
    [MeshAttr.requestProtocol]: 'http',
    [MeshAttr.connectionSecurityPolicy]: e.securityPolicy,
  };
}

export class RequestMetrics {
  private readonly edges = new Map<string, Edge>();
  private seriesCount = 0;
  private overflow: Series | undefined;

  constructor(private readonly maxSeries: number) {}

  /** The edge for `key`, built by `describe` the first time it is seen. */
  edge(key: string, describe: () => EdgeIdentity): Edge {
    let e = this.edges.get(key);
    if (!e) {
      const id = describe();
      e = new Edge(id.reporter, edgeAttributes(id));
      this.edges.set(key, e);
    }
    return e;
  }

  record(edge: Edge, status: number, flags: string, durationSec: number): void {
    let byFlags = edge.byCode.get(status);
    if (!byFlags) {
      byFlags = new Map();
      edge.byCode.set(status, byFlags);
    }
    let s = byFlags.get(flags);
    if (!s) {
      if (this.seriesCount >= this.maxSeries) {
        // Bounded memory whatever the traffic: past the cap, fold into one series (OTel's overflow rule).
        this.overflow ??= new Series({ 'otel.metric.overflow': true, [MeshAttr.reporter]: edge.reporter });
        this.overflow.record(durationSec);
        return;
      }
      s = new Series({
        ...edge.attributes,
        [MeshAttr.responseCode]: String(status),
        [MeshAttr.responseFlags]: flags,
      });
      byFlags.set(flags, s);
      this.seriesCount++;
    }
    s.record(durationSec);
  }

  /** Every series (for collection and the Prometheus view). */
  *series(): Iterable<Series> {
    for (const e of this.edges.values()) for (const byFlags of e.byCode.values()) yield* byFlags.values();
    if (this.overflow) yield this.overflow;
  }

  static metricName(reporter: unknown): string {
    return reporter === 'destination' ? SERVER_DURATION_METRIC : CLIENT_DURATION_METRIC;
  }
}

export { SEC_BOUNDS };
