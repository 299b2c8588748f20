import {
  CartesianGrid,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
  ZAxis,
} from 'recharts';
import { formatClock, formatClockSeconds, formatDurationUs } from '../../lib/format';
import { ChartFrame } from './ChartFrame';

export interface TracePoint {
  traceID: string;
  timeMs: number;
  durationUs: number;
  spanCount: number;
  hasErrors: boolean;
  label: string;
}

/** Traces as dots, time against duration (Jaeger's search scatter); a click opens the trace. */
export function TraceScatterChart({
  points,
  onOpen,
  height = 180,
}: {
  points: TracePoint[];
  onOpen: (traceID: string) => void;
  height?: number;
}) {
  const ok = points.filter((p) => !p.hasErrors);
  const failed = points.filter((p) => p.hasErrors);
  // Traces from the last few minutes would all be labelled with the same HH:MM: then ticks show seconds.
  const times = points.map((p) => p.timeMs);
  const seconds = times.length > 0 && Math.max(...times) - Math.min(...times) < 10 * 60_000;
  const clock = seconds ? formatClockSeconds : formatClock;
  const open = (entry: unknown): void => {
    const payload = (entry as { payload?: TracePoint } | undefined)?.payload;
    if (payload) onOpen(payload.traceID);
  };
  return (
    <ChartFrame title="Traces by time and duration" height={height} empty={points.length === 0}>
      <ResponsiveContainer width="100%" height="100%">
        <ScatterChart margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e4e6e9" />
          <XAxis
            dataKey="timeMs"
            type="number"
            domain={['dataMin', 'dataMax']}
            tickFormatter={clock}
            tick={{ fontSize: 11 }}
            name="Start"
          />
          <YAxis
            dataKey="durationUs"
            type="number"
            tickFormatter={formatDurationUs}
            tick={{ fontSize: 11 }}
            width={64}
            name="Duration"
          />
          <ZAxis dataKey="spanCount" range={[30, 200]} name="Spans" />
          <Tooltip
            cursor={{ strokeDasharray: '3 3' }}
            formatter={(value, name) =>
              name === 'Start'
                ? formatClockSeconds(Number(value))
                : name === 'Duration'
                  ? formatDurationUs(Number(value))
                  : String(value)
            }
          />
          <Scatter
            name="Traces"
            data={ok}
            fill="#0066cc"
            onClick={open}
            isAnimationActive={false}
            cursor="pointer"
          />
          <Scatter
            name="Traces with errors"
            data={failed}
            fill="#c9190b"
            onClick={open}
            isAnimationActive={false}
            cursor="pointer"
          />
        </ScatterChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}
