import {
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { Timeline, TimelineEventKind, TimelinePoint } from '../../features/alerts/timeline';
import { TIMELINE_KINDS } from '../../features/alerts/timeline';
import { formatClock, formatDateTime } from '../../lib/format';
import { ChartFrame } from './ChartFrame';

/** Prometheus' alert colours: amber pending, red firing, green resolved; notifications in blue / dark red. */
const KIND_STYLE: Record<
  TimelineEventKind,
  { label: string; colour: string; shape: 'circle' | 'diamond' | 'cross' | 'triangle' }
> = {
  pending: { label: 'pending', colour: '#f0ab00', shape: 'circle' },
  firing: { label: 'firing', colour: '#c9190b', shape: 'circle' },
  resolved: { label: 'resolved', colour: '#3e8635', shape: 'circle' },
  dropped: { label: 'dropped (cleared while pending)', colour: '#8a8d90', shape: 'cross' },
  notified: { label: 'notified', colour: '#0066cc', shape: 'diamond' },
  notify_failed: { label: 'notification failed', colour: '#7d1007', shape: 'triangle' },
};

function TimelineTooltip({ active, payload }: { active?: boolean; payload?: { payload?: TimelinePoint }[] }) {
  const point = active ? payload?.[0]?.payload : undefined;
  if (!point) return null;
  return (
    <div className="chart-tooltip">
      <strong>{point.subject}</strong> {KIND_STYLE[point.event].label}
      <div>{formatDateTime(point.timeMs)}</div>
      <div className="muted">rule {point.rule}</div>
    </div>
  );
}

/** Alert transitions over time: one lane per instance, a mark per transition or notification. */
export function AlertTimelineChart({
  timeline,
  loading,
  error,
}: {
  timeline: Timeline | undefined;
  loading?: boolean;
  error?: Error | null;
}) {
  const lanes = timeline?.lanes ?? [];
  const height = Math.max(140, 30 * lanes.length + 80);
  return (
    <ChartFrame
      title="Alert transitions"
      height={height}
      loading={loading}
      error={error}
      empty={lanes.length === 0}
      emptyTitle="No alert changed state in this window"
    >
      <ResponsiveContainer width="100%" height="100%">
        <ScatterChart margin={{ top: 8, right: 24, bottom: 0, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e4e6e9" />
          <XAxis
            dataKey="timeMs"
            type="number"
            domain={[timeline?.startMs ?? 'dataMin', timeline?.endMs ?? 'dataMax']}
            tickFormatter={formatClock}
            tick={{ fontSize: 11 }}
            name="Time"
          />
          <YAxis
            dataKey="lane"
            type="number"
            domain={[-0.5, Math.max(0.5, lanes.length - 0.5)]}
            ticks={lanes.map((_, i) => i)}
            tickFormatter={(i: number) => lanes[i] ?? ''}
            tick={{ fontSize: 11 }}
            width={180}
            reversed
            allowDecimals={false}
            interval={0}
          />
          <Tooltip content={<TimelineTooltip />} cursor={{ strokeDasharray: '3 3' }} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {TIMELINE_KINDS.filter((k) => (timeline?.byKind[k].length ?? 0) > 0).map((kind) => (
            <Scatter
              key={kind}
              name={KIND_STYLE[kind].label}
              data={timeline?.byKind[kind] ?? []}
              fill={KIND_STYLE[kind].colour}
              shape={KIND_STYLE[kind].shape}
              isAnimationActive={false}
            />
          ))}
        </ScatterChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}
