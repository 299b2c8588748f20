import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartFrame } from './ChartFrame';

export interface ShareBar {
  label: string;
  /** values to compare side by side, e.g. slow vs baseline */
  [series: string]: number | string;
}

/** Horizontal bars comparing a few series per label (latency attribution: slow vs baseline). */
export function ShareBarChart({
  title,
  bars,
  series,
  formatValue,
}: {
  title: string;
  bars: ShareBar[];
  series: { key: string; label: string; colour: string }[];
  formatValue: (value: number) => string;
}) {
  const height = Math.max(120, 28 * bars.length + 40);
  return (
    <ChartFrame title={title} height={height} empty={bars.length === 0}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={bars} layout="vertical" margin={{ top: 4, right: 16, bottom: 0, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e4e6e9" />
          <XAxis type="number" tickFormatter={formatValue} tick={{ fontSize: 11 }} />
          <YAxis type="category" dataKey="label" width={180} tick={{ fontSize: 11 }} />
          <Tooltip formatter={(value) => (typeof value === 'number' ? formatValue(value) : String(value))} />
          {series.map((s) => (
            <Bar key={s.key} dataKey={s.key} name={s.label} fill={s.colour} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}
