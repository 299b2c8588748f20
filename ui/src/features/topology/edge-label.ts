import type { GraphEdge } from '@meshscope/query/api';
import { formatMs, formatPercent, formatRps } from '../../lib/format';

export const EDGE_LABEL_MODES = ['none', 'rps', 'errors', 'p95', 'share'] as const;
export type EdgeLabelMode = (typeof EDGE_LABEL_MODES)[number];

export const EDGE_LABEL_NAMES: Record<EdgeLabelMode, string> = {
  none: 'No labels',
  rps: 'Request rate',
  errors: 'Error %',
  p95: 'p95 latency',
  share: 'Traffic share',
};

export function parseEdgeLabelMode(text: string | null): EdgeLabelMode {
  return (EDGE_LABEL_MODES as readonly string[]).includes(text ?? '') ? (text as EdgeLabelMode) : 'rps';
}

export function edgeLabel(edge: GraphEdge, mode: EdgeLabelMode): string {
  switch (mode) {
    case 'none':
      return '';
    case 'rps':
      return `${formatRps(edge.signals.requestsPerSec)} rps`;
    case 'errors':
      return formatPercent(edge.signals.errorRate);
    case 'p95':
      return formatMs(edge.signals.latencyMs.p95);
    case 'share':
      return formatPercent(edge.trafficShare);
  }
}
