/**
 * The agent's telemetry: sampling, span emission and the periodic delta metrics export. Spans and metrics
 * carry the resource attribute AGENT_RESOURCE_ATTR = "true", so the collector never counts a mesh request
 * twice (once from these metrics, once from span pairing).
 */
import type { Attributes } from '@opentelemetry/api';
import { ValueType } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type GaugeMetricData,
  type HistogramMetricData,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { AGENT_RESOURCE_ATTR, INFLIGHT_METRIC, POOL_PENDING_METRIC } from '@meshscope/collector/conventions';
import type { Logger } from 'pino';
import type { AgentConfig } from '../config/agent-config.js';
import type { WorkloadIdentity } from './identity.js';
import { OtlpExporter } from './otlp-exporter.js';
import { StaticResource } from './resource.js';
import { RequestMetrics, SEC_BOUNDS } from './request-metrics.js';
import { msToHrTime, nowMs } from './span.js';
import type { RemoteContext } from './trace-context.js';
import type { AgentSpan } from './span.js';

export interface GaugeSample {
  attributes: Attributes;
  value: number;
}

export interface GaugeSources {
  inflight(): GaugeSample[];
  poolPending(): GaugeSample[];
}

export const SCOPE: InstrumentationScope = { name: '@meshscope/proxy-agent', version: '0.1.0' };

export class Telemetry {
  readonly metrics: RequestMetrics;
  readonly resource: Resource;
  readonly scope = SCOPE;
  readonly exporter: OtlpExporter | undefined;
  private readonly ratioBound: number;
  private timer: NodeJS.Timeout | undefined;
  private lastCollectMs = nowMs();

  constructor(
    private readonly config: AgentConfig['telemetry'],
    identity: WorkloadIdentity & { serviceName: string },
    private readonly gauges: GaugeSources,
    log: Logger,
    /** CA certificates (PEM) for an https collector, from `telemetry.collectorCaFile` */
    collectorCa?: Buffer,
  ) {
    this.metrics = new RequestMetrics(config.maxSeries);
    this.resource = new StaticResource({
      'service.name': identity.serviceName,
      'service.namespace': identity.namespace,
      'service.version': identity.version,
      'k8s.namespace.name': identity.namespace,
      'service.instance.id': `${identity.workload}.${identity.namespace}.${process.pid}`,
      [AGENT_RESOURCE_ATTR]: 'true',
    });
    // Parent-based ratio sampling on the trace id (like OTel's TraceIdRatioBased): all agents on a trace
    // take the same decision for a root without talking to each other.
    this.ratioBound = Math.floor(config.samplingRatio * 0xffffffff);
    this.exporter = config.enabled
      ? new OtlpExporter(
          {
            collectorUrl: config.collectorUrl,
            compression: config.compression,
            timeoutMs: config.exportTimeoutMs,
            maxQueueSize: config.maxQueueSize,
            batchSize: config.spanBatchSize,
            batchDelayMs: config.spanBatchDelayMs,
            ca: collectorCa,
          },
          log,
        )
      : undefined;
  }

  start(): void {
    if (!this.exporter || this.timer) return;
    this.timer = setInterval(() => this.exportMetrics(), this.config.metricsIntervalMs);
    this.timer.unref();
  }

  /** Parent decides when there is one; a root is sampled when its trace id falls under the ratio. */
  sample(parent: RemoteContext | 'deny' | undefined, traceId: string): boolean {
    if (!this.exporter) return false;
    if (parent === 'deny') return false;
    if (parent) return parent.sampled;
    if (this.config.samplingRatio >= 1) return true;
    return parseInt(traceId.slice(24), 16) <= this.ratioBound;
  }

  emit(span: AgentSpan): void {
    this.exporter?.addSpan(span);
  }

  /** Takes the delta since the last collection (resets the deltas). */
  collect(): ResourceMetrics {
    const end = nowMs();
    const startTime = msToHrTime(this.lastCollectMs);
    const endTime = msToHrTime(end);
    this.lastCollectMs = end;
    const byName = new Map<string, HistogramMetricData>();
    for (const s of this.metrics.series()) {
      if (s.deltaCount === 0) continue;
      const name = RequestMetrics.metricName(s.attributes.reporter);
      let metric = byName.get(name);
      if (!metric) {
        metric = {
          descriptor: {
            name,
            description: 'Duration of HTTP requests seen by the agent.',
            unit: 's',
            valueType: ValueType.DOUBLE,
          },
          aggregationTemporality: AggregationTemporality.DELTA,
          dataPointType: DataPointType.HISTOGRAM,
          dataPoints: [],
        };
        byName.set(name, metric);
      }
      metric.dataPoints.push({
        startTime,
        endTime,
        attributes: s.attributes,
        value: {
          buckets: { boundaries: [...SEC_BOUNDS], counts: Array.from(s.deltaCounts) },
          count: s.deltaCount,
          sum: s.deltaSum,
          min: s.deltaMin,
          max: s.deltaMax,
        },
      });
      s.resetDelta();
    }
    const metrics: MetricData[] = [...byName.values()];
    const gauge = (name: string, description: string, samples: GaugeSample[]): GaugeMetricData => ({
      descriptor: { name, description, unit: '{request}', valueType: ValueType.INT },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.GAUGE,
      dataPoints: samples.map((g) => ({
        startTime: endTime,
        endTime,
        attributes: g.attributes,
        value: g.value,
      })),
    });
    metrics.push(
      gauge(INFLIGHT_METRIC, 'Requests in flight through an agent listener.', this.gauges.inflight()),
    );
    const pending = this.gauges.poolPending();
    if (pending.length > 0) {
      metrics.push(gauge(POOL_PENDING_METRIC, 'Requests waiting for an upstream connection.', pending));
    }
    return { resource: this.resource, scopeMetrics: [{ scope: this.scope, metrics }] };
  }

  exportMetrics(): void {
    this.exporter?.addMetrics(this.collect());
  }

  async close(timeoutMs: number): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.exporter) {
      this.exportMetrics();
      await this.exporter.close(timeoutMs);
    }
  }
}
