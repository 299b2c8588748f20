import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatClock } from '../../lib/format';
import { ChartFrame } from './ChartFrame';

export interface SeriesDef {
  key: string;
  label: string;
  colour: string;
}

/** One point in time; series values may be null (a gap, not a zero). */
export type TimePoint = { timeMs: number } & Record<string, number | null>;

export function TimeSeriesChart({
  title,
  points,
  series,
  formatValue,
  loading,
  error,
  height = 160,
}: {
  title: string;
  points: TimePoint[] | undefined;
  series: SeriesDef[];
  formatValue: (value: number) => string;
  loading?: boolean;
  error?: Error | null;
  height?: number;
}) {
  const empty = !points || points.every((p) => series.every((s) => p[s.key] === null));
  return (
    <ChartFrame title={title} height={height} loading={loading && !points} error={error} empty={empty}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={points} margin={{ top: 4, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e4e6e9" />
          <XAxis
            dataKey="timeMs"
            type="number"
            scale="time"
            domain={['dataMin', 'dataMax']}
            tickFormatter={formatClock}
            tick={{ fontSize: 11 }}
            minTickGap={30}
          />
          <YAxis tickFormatter={formatValue} tick={{ fontSize: 11 }} width={56} />
          <Tooltip
            labelFormatter={(label) => formatClock(Number(label))}
            formatter={(value) => (typeof value === 'number' ? formatValue(value) : String(value))}
          />
          {series.length > 1 ? <Legend wrapperStyle={{ fontSize: 11 }} /> : null}
          {series.map((s) => (
            <Line
              key={s.key}
              dataKey={s.key}
              name={s.label}
              stroke={s.colour}
              dot={false}
              strokeWidth={1.5}
              isAnimationActive={false}
              connectNulls={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}
