import type { TimeWindow } from '../lib/time-range';

/** Query keys, built in one place so invalidation and prefetching agree with the hooks. */
export const queryKeys = {
  services: (w: TimeWindow) => ['mesh', 'services', w.startSec, w.endSec] as const,
  serviceSeries: (service: string, w: TimeWindow, stepSec: number) =>
    ['mesh', 'service-series', service, w.startSec, w.endSec, stepSec] as const,
  serviceEdges: (service: string, w: TimeWindow) =>
    ['mesh', 'service-edges', service, w.startSec, w.endSec] as const,
  serviceOperations: (service: string, w: TimeWindow) =>
    ['mesh', 'service-operations', service, w.startSec, w.endSec] as const,
  topology: (w: TimeWindow, graphType: string, idle: boolean) =>
    ['mesh', 'topology', graphType, idle, w.startSec, w.endSec] as const,
  edgeSeries: (source: string, target: string, w: TimeWindow, stepSec: number) =>
    ['mesh', 'edge-series', source, target, w.startSec, w.endSec, stepSec] as const,
  traceSummaries: (params: Record<string, string | number | undefined>) =>
    ['mesh', 'traces', params] as const,
  attribution: (service: string, operation: string, w: TimeWindow) =>
    ['mesh', 'attribution', service, operation, w.startSec, w.endSec] as const,
  criticalPath: (traceID: string) => ['mesh', 'critical-path', traceID] as const,
  trace: (traceID: string) => ['jaeger', 'trace', traceID] as const,
  jaegerServices: () => ['jaeger', 'services'] as const,
  jaegerOperations: (service: string) => ['jaeger', 'operations', service] as const,
  alerts: () => ['alerts'] as const,
  alertRules: () => ['alerts', 'rules'] as const,
  alertInstances: () => ['alerts', 'instances'] as const,
  alertHistory: (rule: string | undefined, w: TimeWindow) =>
    ['alerts', 'history', rule ?? '', w.startSec, w.endSec] as const,
  alertExemplars: (fingerprint: string) => ['alerts', 'exemplars', fingerprint] as const,
  silences: () => ['alerts', 'silences'] as const,
};
